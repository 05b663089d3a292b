"""Publishing: the audited warehouse file swapped in atomically, its history and rollback."""
