-- Every credit traced to the touches that earned it (METRICS.md section 10): one row per
-- influenced revenue line, model and touch with a share. A partner's credited revenue splits over
-- its rows in whole cents (largest remainder, ties to the earlier row), adding up to it exactly.
with shares as (
    select * from {{ ref('int_attribution_shares') }}
),

credited as (
    select * from {{ ref('int_attribution_credited_revenue') }}
),

joined as (
    select
        shares.line_id,
        shares.model,
        shares.partner_id,
        shares.touch_id,
        shares.touch_kind,
        shares.touched_at,
        shares.touch_position,
        shares.share,
        credited.credit,
        credited.credited_touches,
        credited.credited_revenue_usd as partner_revenue_usd
    from shares
    inner join credited
        on
            shares.line_id = credited.line_id
            and shares.model = credited.model
            and shares.partner_id = credited.partner_id
),

-- most partners have one row in a line and model: their split needs no window (the window over
-- all rows was most of this model's time); only partners with several rows go through it
whole_credits as (
    select
        line_id as opportunity_id,
        model,
        partner_id,
        touch_id,
        touch_kind,
        touched_at,
        touch_position,
        share,
        cast(
            {{ allocate_cents_single_row('partner_revenue_usd', 'share / credit') }}
            as {{ money_type() }}
        ) as credited_revenue_usd
    from joined
    where credited_touches = 1
),

split_credits as (
    select
        line_id as opportunity_id,
        model,
        partner_id,
        touch_id,
        touch_kind,
        touched_at,
        touch_position,
        share,
        cast(
            {{ allocate_cents(
                'partner_revenue_usd',
                'share / credit',
                'line_id, model, partner_id',
                'touched_at, touch_id'
            ) }} as {{ money_type() }}
        ) as credited_revenue_usd
    from joined
    where credited_touches > 1
),

final as (
    select * from whole_credits
    union all
    select * from split_credits
)

select * from final
