"""Assets, one module per agency (the same place as in ingest/ and dbt_project/)."""
