-- Every touch linked to a revenue line (and every lapsed registration naming it), counted or not,
-- and why not (METRICS.md section 10): "why did P get nothing on this deal" is answered here.
with classified as (
    select * from {{ ref('int_line_touches_classified') }}
),

final as (
    select
        line_id as opportunity_id,
        partner_id,
        touch_id,
        touch_kind,
        touched_at,
        is_counted,
        excluded_reason
    from classified
)

select * from final
