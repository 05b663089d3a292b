-- The canonical development dimension (sources.md, "The canonical development dimensions") of every
-- distinct (source, category, title) of the DOPA, CDD and DLA plans: for DLA the category is the
-- strategy. The plan items join it on those three columns (null-safe: a title may be missing).
-- Only distinct values are classified, and only the titles that need it are matched against the
-- keywords, so a national build does not scan millions of rows with hundreds of keywords.
--   seed              the category is in dimension_map with a code
--   seed_mixed_title  a mixed group in dimension_map (by_title, with a code): the title's
--                     keywords decide
--   default           the same group when no title keyword is found: the group's code in the seed
--   keyword_title     a category the seed leaves without a code (ด้านอื่น ๆ), or a DLA strategy that
--                     no keyword classifies: the title's keywords decide
--   keyword_strategy  a DLA strategy the seed does not list, classified by its own keywords
--   unclassified      nothing classifies it: published without a dimension, and counted
--   unknown           a DOPA or CDD category the seed does not list (quarantined as unknown_dimension)
with

-- `source` is the agency (dopa, cdd, dla), the name the plan items use, though the linter knows
-- it as a keyword
dopa_values as (
    select distinct
        'dopa' as source,  -- noqa: RF04
        category,
        title
    from {{ ref('stg_dopa__village_plans') }}
),

cdd_values as (
    select distinct
        'cdd' as source,  -- noqa: RF04
        category,
        title
    from {{ ref('stg_cdd__community_plans') }}
),

dla_values as (
    select distinct
        'dla' as source,  -- noqa: RF04
        strategy as category,
        title
    from {{ ref('stg_dla__plan_projects') }}
),

plan_values as (
    select * from dopa_values
    union all
    select * from cdd_values
    union all
    select * from dla_values
),

-- seed values are written by hand: normalised like the delivered categories they must equal
dimension_map as (
    select
        source,
        th_normalize(source_value) as category,
        nullif(trim(dimension_code), '') as dimension_code,
        -- a group the map says to decide by title, with a code of its own, is a mixed one
        nullif(trim(dimension_code), '') is not null
        and by_title as is_mixed_group
    from {{ ref('dimension_map') }}
    where source in ('dopa', 'cdd', 'dla')
),

-- keywords match the normalised, lower-cased text (a few are Latin: otop, cctv)
keywords as (
    select
        dimension_code,
        priority,
        applies_to,
        lower(th_normalize(keyword)) as keyword
    from {{ ref('dimension_keywords') }}
    where nullif(trim(keyword), '') is not null
),

mapped as (
    select
        plan_values.source,
        plan_values.category,
        plan_values.title,
        dimension_map.dimension_code as seed_code,
        dimension_map.category is not null as is_in_seed,
        coalesce(dimension_map.is_mixed_group, false) as is_mixed_group
    from plan_values
    left join dimension_map
        on
            plan_values.source = dimension_map.source
            and plan_values.category = dimension_map.category
),

-- DLA strategies are worded freely (ยุทธศาสตร์ที่ 1 การพัฒนา…): the ones the seed does not list
unlisted_strategies as (
    select distinct category
    from mapped
    where source = 'dla' and not is_in_seed and category is not null
),

-- the best keyword of each strategy: the highest priority, then the earliest in the text (a Thai
-- name leads with its subject), then the longest (the most specific)
strategy_matches as (
    select
        unlisted_strategies.category,
        keywords.dimension_code,
        keywords.keyword
    from unlisted_strategies
    inner join keywords
        on
            keywords.applies_to in ('strategy', 'both')
            and contains(lower(unlisted_strategies.category), keywords.keyword)
    qualify row_number() over (
        partition by unlisted_strategies.category
        order by
            keywords.priority desc,
            position(keywords.keyword in lower(unlisted_strategies.category)),
            length(keywords.keyword) desc,
            keywords.keyword
    ) = 1
),

-- titles that need their keywords: a mixed or code-less seed group, or a DLA strategy that no
-- keyword classifies
titles_to_match as (
    select distinct mapped.title
    from mapped
    left join strategy_matches
        on mapped.source = 'dla' and mapped.category = strategy_matches.category
    where
        mapped.title is not null
        and (
            mapped.is_mixed_group
            or (mapped.is_in_seed and mapped.seed_code is null)
            or (mapped.source = 'dla' and not mapped.is_in_seed and strategy_matches.category is null)
        )
),

-- a title ends with where the project is (สายบ้านป่าเสือ, ชุมชนตลาดเก่า), and place names hold words
-- that are keywords elsewhere (ป่า, ตลาด, สะพาน, โรงเรียน): a keyword found only in the name after
-- บ้าน or ชุมชน ranks below every keyword of the rest of the title. Materialized: lower() runs once
-- per title, not once per (title, keyword) pair of the join below (6x slower at 1 M titles)
title_subjects as materialized (
    select
        title,
        lower(title) as title_text,
        lower(regexp_replace(title, '(^|[\s\-]|สาย)(บ้าน|ชุมชน)[^\s\-]*', '\1\2', 'g')) as subject_text
    from titles_to_match
),

-- the best keyword of each title: outside a place name first, then the highest priority, then the
-- earliest (a Thai title leads with its subject: ถนน … สายชุมชนโรงเรียน), then the longest
title_matches as (
    select
        title_subjects.title,
        keywords.dimension_code,
        keywords.keyword
    from title_subjects
    inner join keywords
        on
            keywords.applies_to in ('title', 'both')
            and contains(title_subjects.title_text, keywords.keyword)
    qualify row_number() over (
        partition by title_subjects.title
        order by
            contains(title_subjects.subject_text, keywords.keyword) desc,
            keywords.priority desc,
            position(keywords.keyword in title_subjects.title_text),
            length(keywords.keyword) desc,
            keywords.keyword
    ) = 1
),

classified as (
    select
        mapped.source,
        mapped.category,
        mapped.title,
        mapped.seed_code,
        title_matches.dimension_code as title_code,
        title_matches.keyword as title_keyword,
        strategy_matches.dimension_code as strategy_code,
        strategy_matches.keyword as strategy_keyword,
        case
            when mapped.is_in_seed and mapped.seed_code is not null and not mapped.is_mixed_group then 'seed'
            when mapped.is_mixed_group and title_matches.title is not null then 'seed_mixed_title'
            when mapped.is_mixed_group then 'default'
            when mapped.source = 'dla' and not mapped.is_in_seed and strategy_matches.category is not null
                then 'keyword_strategy'
            when (mapped.is_in_seed or mapped.source = 'dla') and title_matches.title is not null
                then 'keyword_title'
            when mapped.is_in_seed or mapped.source = 'dla' then 'unclassified'
            else 'unknown'
        end as dimension_method
    from mapped
    left join strategy_matches
        on mapped.source = 'dla' and mapped.category = strategy_matches.category
    left join title_matches
        on mapped.title = title_matches.title
),

decided as (
    select
        source,
        category,
        title,
        dimension_method,
        case
            when dimension_method in ('seed', 'default') then seed_code
            when dimension_method in ('seed_mixed_title', 'keyword_title') then title_code
            when dimension_method = 'keyword_strategy' then strategy_code
        end as dimension_code,
        case
            when dimension_method in ('seed_mixed_title', 'keyword_title') then title_keyword
            when dimension_method = 'keyword_strategy' then strategy_keyword
        end as matched_keyword
    from classified
),

final as (
    select
        source,
        category,
        title,
        dimension_code,
        dimension_method,
        matched_keyword
    from decided
)

select * from final
