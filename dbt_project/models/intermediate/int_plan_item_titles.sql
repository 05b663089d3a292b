-- The comparable form of every distinct plan-item title, for cross-agency reconciliation
-- (int_plan_items__clustered). The same project is worded its own way by each agency (โครงการ or
-- not, คสล. or คอนกรีตเสริมเหล็ก, ซ.3 or ซอย 3, หมู่ที่ 3, ม.3 or the village's name at the end), so a
-- title is taken apart into
--   - title_expanded: the title with abbreviations expanded and spellings unified (list below);
--   - the numbers that tell projects apart, compared exactly and never fuzzily: lanes (ซอย 3, ซ.3),
--     lengths in metres (ยาว 200 เมตร, ระยะทาง 200 ม., 1.5 กม.), phases (ระยะที่ 2), any other number;
--   - place_names: named places that are the project's identity, a road named by its ends
--     (สายบ้านนา-บ้านดง, either way round) and a temple (วัดป่าเลไลย์), compared exactly;
--   - core_key: what is left, letters only, which int_plan_items__clustered compares fuzzily. The
--     word โครงการ, the village reference (หมู่ที่ 3, หมู่ 3, ม.3 anywhere; a trailing บ้าน…/ชุมชน… name:
--     the village is compared on its code) and brackets, quotes, spaces and digits are gone.
-- One row per distinct title: at national scale there are far fewer titles than items. The
-- costlier steps run only on the titles that need them (an abbreviation, a road or a temple).
{# Abbreviations and variant spellings (RE2 patterns and replacements, applied in this order).
   กม. after a number is kilometres (read with the lengths below); elsewhere it is the village
   committee (คณะกรรมการหมู่บ้าน). -#}
{% set abbreviations = [
    ('ค\\.\\s*ส\\.\\s*ล\\.?|คสล\\.?', 'คอนกรีตเสริมเหล็ก'),
    ('อสม\\.?', 'อาสาสมัครสาธารณสุขประจำหมู่บ้าน'),
    ('อปพร\\.?', 'อาสาสมัครป้องกันภัยฝ่ายพลเรือน'),
    ('(^|[^0-9\\s])(\\s*)กม\\.', '\\1\\2คณะกรรมการหมู่บ้าน'),
    ('ผญบ\\.?', 'ผู้ใหญ่บ้าน'),
    ('รพ\\.\\s*สต\\.?', 'โรงพยาบาลส่งเสริมสุขภาพตำบล'),
    ('ศพด\\.?', 'ศูนย์พัฒนาเด็กเล็ก'),
    ('อบต\\.', 'องค์การบริหารส่วนตำบล'),
    ('อบจ\\.', 'องค์การบริหารส่วนจังหวัด'),
    ('ทต\\.', 'เทศบาลตำบล'),
    ('พช\\.', 'พัฒนาชุมชน'),
    ('ถ\\.', 'ถนน'),
    ('(?i)cctv', 'วงจรปิด'),
    ('โซล่าร์\\s*เซลล์|โซล่า\\s*เซลล์|โซลา\\s*เซลล์|โซลาร์\\s*เซลล์|โซล่าร์|โซล่า', 'โซลาร์เซลล์'),
] -%}
{# A number: digits with optional thousands separators and decimals. -#}
{% set number = '([0-9][0-9,]*(?:\\.[0-9]+)?)' -%}
{# A length: a number and its unit, with the word that introduces it (ยาว 200 เมตร = ระยะทาง 200 ม.). -#}
{% set length_units = '(?:เมตร|ม\\.|กิโลเมตร|กม\\.)' -%}
{# The named places: a road named by its ends, a temple. -#}
{% set place_pattern = 'สาย(?:(?:บ้าน|ชุมชน)\\S*|\\S+-\\S+)|(?:^|\\s)วัด\\S+' -%}

with

titles as (
    select distinct title
    from {{ ref('int_plan_items') }}
    where title is not null
),

-- thousands separators dropped (1,500), then brackets, quotes and commas as spaces (an
-- annotation such as "(ต่อเนื่อง)" keeps its words), โครงการ removed, abbreviations expanded:
-- each only in the titles where it occurs (regular expressions over hundreds of thousands of
-- titles are what this model costs)
cleaned as (
    select
        title,
        case
            when regexp_matches(title, '["“”''()\[\]{},;]')
                then regexp_replace(
                    regexp_replace(replace(title, 'โครงการ', ' '), '([0-9]),([0-9]{3})', '\1\2', 'g'),
                    '["“”''()\[\]{},;]',
                    ' ',
                    'g'
                )
            else replace(title, 'โครงการ', ' ')
        end as cleaned
    from titles
),

-- one replacement after the other (a column refers to the one before it)
abbreviated as (
    select
        title,
        {% for pattern, replacement in abbreviations %}
            regexp_replace(
                {{ "cleaned" if loop.first else "step_" ~ (loop.index - 1) }}, '{{ pattern }}', '{{ replacement }}', 'g'
            ) as step_{{ loop.index }}
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from cleaned
    where regexp_matches(cleaned, '{{ abbreviations | map("first") | join("|") }}')
),

expanded as (
    select
        title,
        step_{{ abbreviations | length }} as expanded
    from abbreviated
    union all
    select
        title,
        cleaned as expanded
    from cleaned
    where not regexp_matches(cleaned, '{{ abbreviations | map("first") | join("|") }}')
),

-- lanes (ซอย 3, ซ.3) and phases (ระยะที่ 2) first, so that their numbers are never read as a
-- length or a village; the words go with their numbers, which are compared on their own
lanes_and_phases as (
    select
        title,
        expanded,
        case
            when regexp_matches(expanded, '(?:ซอย|ซ\.|ระยะที่)\s*[0-9]')
                then regexp_extract_all(expanded, '(?:ซอย|ซ\.)\s*([0-9]+)', 1)
            else []
        end as lanes,
        case
            when contains(expanded, 'ระยะที่')
                then regexp_extract_all(expanded, 'ระยะที่\s*([0-9]+)', 1)
            else []
        end as phases,
        case
            when regexp_matches(expanded, '(?:ซอย|ซ\.|ระยะที่)\s*[0-9]')
                then regexp_replace(expanded, '(?:ซอย|ซ\.)\s*[0-9]+|ระยะที่\s*[0-9]+', ' ', 'g')
            else expanded
        end as rest
    from expanded
),

lengths as (
    select
        title,
        expanded,
        lanes,
        phases,
        case
            when regexp_matches(rest, '[0-9]\s*{{ length_units }}')
                then list_concat(
                    list_transform(
                        regexp_extract_all(rest, '{{ number }}\s*(?:เมตร|ม\.)', 1),
                        lambda metres: try_cast(replace(metres, ',', '') as decimal(18, 2))
                    ),
                    list_transform(
                        regexp_extract_all(rest, '{{ number }}\s*(?:กิโลเมตร|กม\.)', 1),
                        lambda km: try_cast(replace(km, ',', '') as decimal(18, 2)) * 1000
                    )
                )
            else []
        end as lengths,
        case
            when regexp_matches(rest, '[0-9]\s*{{ length_units }}')
                then regexp_replace(
                    rest,
                    '(?:ความยาว|ยาว|ระยะทาง|ระยะ|กว้าง|หนา|ลึก)?\s*{{ number }}\s*{{ length_units }}',
                    ' ',
                    'g'
                )
            else rest
        end as rest
    from lanes_and_phases
),

-- the village: หมู่ที่ 3, หมู่ 3, ม.3 (or a list, หมู่ที่ 1-3) anywhere, a bare หมู่ที่ / ม. left at the
-- end (a municipal community has no number), then a trailing village or community name (บ้านนา,
-- ชุมชนเทศบาล 1). Spaces around a road's hyphen go first, so that the far end of สายบ้านดง - บ้านนา
-- is never taken for the village's name, and a community's number (ชุมชนเทศบาล 1-บ้านดง) stays
-- with its name.
villages_removed as (
    select
        title,
        expanded,
        lanes,
        phases,
        lengths,
        regexp_replace(
            regexp_replace(
                case
                    when contains(rest, '-')
                        then regexp_replace(regexp_replace(rest, '\s+([0-9]+)\s*-', '\1-', 'g'), '\s*-\s*', '-', 'g')
                    else rest
                end,
                '(?:หมู่ที่|หมู่|ม\.)\s*[0-9]+(?:\s*[-\s]\s*(?:ม\.)?[0-9]+)*|\s(?:หมู่ที่|หมู่|ม\.)\s*$',
                ' ',
                'g'
            ),
            '\s(?:บ้าน|ชุมชน)\s?\S+(?:\s[0-9]+)?\s*$',
            ''
        ) as rest
    from lengths
),

-- the named places, taken out of the text; a road's ends are sorted (the same road either way
-- round)
places as (
    select
        title,
        expanded,
        lanes,
        phases,
        lengths,
        case
            when contains(rest, 'สาย') or contains(rest, 'วัด')
                then list_transform(
                    regexp_extract_all(rest, '{{ place_pattern }}'),
                    lambda place: case
                        when starts_with(place, 'สาย')
                            then 'สาย' || array_to_string(list_sort(string_split(substring(place, 4), '-')), '-')
                        else trim(place)
                    end
                )
            else []
        end as places,
        case
            when contains(rest, 'สาย') or contains(rest, 'วัด')
                then regexp_replace(rest, '{{ place_pattern }}', ' ', 'g')
            else rest
        end as core
    from villages_removed
),

final as (
    select
        title,
        case
            when regexp_matches(expanded, '\s\s|^\s|\s$') then trim(regexp_replace(expanded, '\s+', ' ', 'g'))
            else expanded
        end as title_expanded,
        -- letters only (Thai and Latin, lower case): no digits, spaces or punctuation
        case
            when regexp_matches(core, '[A-Z]')
                then lower(regexp_replace(core, '[^a-zA-Z\x{0E01}-\x{0E2E}\x{0E30}-\x{0E4E}]', '', 'g'))
            else regexp_replace(core, '[^a-z\x{0E01}-\x{0E2E}\x{0E30}-\x{0E4E}]', '', 'g')
        end as core_key,
        list_sort(list_distinct(places)) as place_names,
        list_sort(list_distinct(list_transform(lanes, lambda lane: cast(lane as integer)))) as lane_numbers,
        list_sort(list_distinct(lengths)) as lengths_m,
        list_sort(list_distinct(list_transform(phases, lambda phase: cast(phase as integer)))) as phase_numbers,
        -- any other number left in the core (a group, a building, a set of equipment) tells
        -- projects apart as well
        case
            when regexp_matches(core, '[0-9]')
                then list_sort(list_distinct(
                    list_transform(
                        regexp_extract_all(core, '[0-9]+(?:\.[0-9]+)?'),
                        lambda other: cast(other as decimal(18, 2))
                    )
                ))
            else []
        end as other_numbers
    from places
)

select * from final
