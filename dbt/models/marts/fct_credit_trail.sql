-- Every credit traced to the touches that earned it (METRICS.md section 10): one row per
-- influenced revenue line, model and touch with a share. A partner's credited revenue splits over
-- its rows in whole cents (largest remainder, ties to the earlier row), adding up to it exactly.
with shares as (
    select * from {{ ref('int_attribution_shares') }}
),

credited as (
    select * from {{ ref('int_attribution_credited_revenue') }}
),

final as (
    select
        shares.line_id as opportunity_id,
        shares.model,
        shares.partner_id,
        shares.touch_id,
        shares.touch_kind,
        shares.touched_at,
        shares.touch_position,
        shares.share,
        cast(
            {{ allocate_cents(
                'credited.credited_revenue_usd',
                'shares.share / credited.credit',
                'shares.line_id, shares.model, shares.partner_id',
                'shares.touched_at, shares.touch_id'
            ) }} as {{ money_type() }}
        ) as credited_revenue_usd
    from shares
    inner join credited
        on
            shares.line_id = credited.line_id
            and shares.model = credited.model
            and shares.partner_id = credited.partner_id
)

select * from final
