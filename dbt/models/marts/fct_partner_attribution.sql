-- Credit per influenced revenue line, partner and attribution model, and the revenue it earns.
with credited as (
    select * from {{ ref('int_attribution_credited_revenue') }}
),

final as (
    select
        line_id as opportunity_id,
        partner_id,
        model,
        credit,
        credited_revenue_usd,
        close_date,
        is_won
    from credited
)

select * from final
