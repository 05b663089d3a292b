-- Village × fiscal year: the CDD certification of the village's (or community's) plan standard
-- (การรับรองมาตรฐานแผนชุมชน): level, score, date and the scheme in force, and whether the level
-- the province reported agrees with that scheme's cut-offs for the score (certification_schemes:
-- levels and cut-offs change between years, so the check uses the scheme of the record's year).
-- Rows: every current village and community, for each fiscal year in which CDD delivered the
-- certification sheet for its province; has_certification = false where the sheet has no row for it.
-- Only records in force (the latest delivery for the province and year) and not quarantined count.
with

villages as (
    select
        village_code,
        kind,
        subdistrict_code,
        province_code
    from {{ ref('dim_village') }}
    where is_current
),

certifications as (
    select
        village_code,
        fiscal_year,
        province_code,
        score,
        level,
        certified_on,
        scheme_year,
        source_row,
        -- the workbook's name, as delivered
        regexp_extract(source_file, '[^/]+$') as source_file
    from {{ ref('int_certifications') }}
    where is_in_force and len(reasons) = 0 and village_code is not null
    -- two rows for one village (rows that name it differently): the latest certification counts
    qualify row_number() over (
        partition by village_code, fiscal_year order by certified_on desc nulls last, source_row desc
    ) = 1
),

schemes as (
    select
        scheme_year,
        level,
        min_score
    from {{ ref('certification_schemes') }}
),

-- the years CDD certified plans in each province
province_years as (
    select distinct
        province_code,
        fiscal_year
    from {{ ref('int_certifications') }}
    where is_in_force
),

-- the level the scheme gives the score: the highest cut-off the score reaches
expected_levels as (
    select
        certifications.village_code,
        certifications.fiscal_year,
        arg_max(schemes.level, schemes.min_score) as expected_level
    from certifications
    inner join schemes
        on certifications.scheme_year = schemes.scheme_year and certifications.score >= schemes.min_score
    group by certifications.village_code, certifications.fiscal_year
),

-- a level written with or without its ระดับ prefix (ระดับดี, ดี) is the same level
certified as (
    select
        certifications.*,
        expected_levels.expected_level,
        regexp_replace(certifications.level, '^ระดับ\s*', '')
        = regexp_replace(expected_levels.expected_level, '^ระดับ\s*', '') as level_consistent_with_score
    from certifications
    left join expected_levels
        on
            certifications.village_code = expected_levels.village_code
            and certifications.fiscal_year = expected_levels.fiscal_year
),

final as (
    select
        villages.village_code,
        villages.kind,
        villages.subdistrict_code,
        villages.province_code,
        certified.level,
        certified.certified_on,
        certified.expected_level,
        certified.level_consistent_with_score,
        certified.source_file,
        certified.source_row,
        cast(province_years.fiscal_year as integer) as fiscal_year,
        cast(certified.score as decimal(5, 2)) as score,
        cast(certified.scheme_year as integer) as scheme_year,
        certified.village_code is not null as has_certification
    from villages
    inner join province_years on villages.province_code = province_years.province_code
    left join certified
        on villages.village_code = certified.village_code and province_years.fiscal_year = certified.fiscal_year
)

select
    -- ids
    village_code,
    fiscal_year,
    kind,
    subdistrict_code,
    province_code,
    -- the certification
    has_certification,
    level,
    score,
    certified_on,
    scheme_year,
    expected_level,
    level_consistent_with_score,
    -- where it came from
    source_file,
    source_row
from final
