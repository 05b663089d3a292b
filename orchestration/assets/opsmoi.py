"""OPS MOI: household needs per village (CKAN datastore API)."""

from orchestration.assets.raw import api_asset

household_needs = api_asset(
    "opsmoi/household_needs", "opsmoi", "Household needs per village, from the CKAN API."
)
