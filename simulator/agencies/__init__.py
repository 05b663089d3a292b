"""One module per agency: how it formats its deliveries, and the defects its files carry."""
