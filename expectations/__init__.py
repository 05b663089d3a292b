"""Great Expectations suites, before anything is published.

    expectations/<agency>/<dataset>.py   one suite per delivered dataset (raw tables, every value
                                         text): the agreed interface of sources.md, with `mostly`
                                         thresholds; measures the agency's data quality
    expectations/warehouse/<table>.py    one suite per published table: all-or-nothing checks
                                         that block a publication
    expectations/validate.py             the runner (validate_deliveries, validate_frame,
                                         validate_published, findings_table)
    python -m expectations               every suite on a work database (`muban bench expectations`)

Suites are plain data (expectations.suite); Great Expectations is imported only to validate.
"""
