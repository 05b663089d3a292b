-- One row per delivery (file, or API pull) with what became of its rows: read, published,
-- quarantined (with the count of each reason) and superseded, its village match rate and how
-- many of its plan items another agency also plans. Rejected and duplicate deliveries are here
-- too, with the reason they were not read.
with

deliveries as (
    select
        *,
        -- the name as delivered (a landing file), or the API endpoint without host and query
        {{ delivered_name('original_name') }} as source_file
    from {{ source('raw', 'deliveries') }}
),

rows_by_outcome as (
    select
        delivery_id,
        count(*) as rows_staged,
        count(*) filter (where outcome = 'published') as rows_published,
        count(*) filter (where outcome = 'quarantined') as rows_quarantined,
        count(*) filter (where outcome = 'superseded') as rows_superseded,
        count(*) filter (where needs_village and outcome != 'superseded') as rows_needing_village,
        count(*) filter (where needs_village and outcome != 'superseded' and is_village_resolved)
            as rows_village_resolved
    from {{ ref('int_delivered_rows') }}
    group by delivery_id
),

reason_counts as (
    select
        delivery_id,
        list({ 'reason_code': reason_code, 'n_rows': n_rows } order by n_rows desc, reason_code asc)
            as quarantine_reasons
    from (
        select
            delivery_id,
            reason_code,
            count(*) as n_rows
        from (
            select
                delivery_id,
                unnest(reasons) as reason_code
            from {{ ref('int_delivered_rows') }}
            where outcome = 'quarantined'
        )
        group by delivery_id, reason_code
    )
    group by delivery_id
),

duplicated as (
    select
        items.delivery_id,
        count(distinct items.source_row) filter (where projects.is_duplicated) as rows_duplicated_elsewhere
    from {{ ref('fct_plan_item') }} as items
    inner join {{ ref('fct_integrated_project') }} as projects
        on items.integrated_project_id = projects.integrated_project_id
    group by items.delivery_id
),

final as (
    select
        deliveries.delivery_id,
        deliveries.agency,
        deliveries.dataset,
        deliveries.source_file,
        deliveries.sha256,
        deliveries.received_at,
        deliveries.province_code,
        deliveries.fiscal_year,
        deliveries.status,
        deliveries.reason_code as rejection_reason_code,
        deliveries.reason_th as rejection_reason_th,
        deliveries.reason_en as rejection_reason_en,
        deliveries.reason_where as rejection_where,
        coalesce(deliveries.rows_read, 0) as rows_read,
        coalesce(deliveries.rows_skipped, 0) as rows_skipped,
        coalesce(rows_by_outcome.rows_published, 0) as rows_published,
        coalesce(rows_by_outcome.rows_quarantined, 0) as rows_quarantined,
        coalesce(rows_by_outcome.rows_superseded, 0) as rows_superseded,
        coalesce(reason_counts.quarantine_reasons, []) as quarantine_reasons,
        round(
            rows_by_outcome.rows_village_resolved / nullif(rows_by_outcome.rows_needing_village, 0), 4
        ) as village_match_rate,
        coalesce(duplicated.rows_duplicated_elsewhere, 0) as rows_duplicated_elsewhere,
        -- read = published + quarantined + superseded, for every delivery that was read
        deliveries.status != 'ingested'
        or coalesce(deliveries.rows_read, 0)
        = coalesce(rows_by_outcome.rows_published, 0) + coalesce(rows_by_outcome.rows_quarantined, 0)
        + coalesce(rows_by_outcome.rows_superseded, 0) as is_conserved
    from deliveries
    left join rows_by_outcome on deliveries.delivery_id = rows_by_outcome.delivery_id
    left join reason_counts on deliveries.delivery_id = reason_counts.delivery_id
    left join duplicated on deliveries.delivery_id = duplicated.delivery_id
)

select * from final
