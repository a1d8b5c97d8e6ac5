-- Each partner's credit in a line under each model, the sum of its touches' shares, with the
-- revenue it earns: credit × the line's revenue, split in whole cents that add up to the line's
-- revenue exactly (macros/allocate_cents.sql). Unconverted lines earn null.
with shares as (
    select * from {{ ref('int_attribution_shares') }}
),

lines as (
    select * from {{ ref('int_revenue_lines') }}
),

partner_credits as (
    select
        line_id,
        partner_id,
        model,
        sum(share) as credit,
        count(*) as credited_touches
    from shares
    group by line_id, partner_id, model
),

final as (
    select
        partner_credits.line_id,
        partner_credits.partner_id,
        partner_credits.model,
        partner_credits.credit,
        partner_credits.credited_touches,
        cast(
            {{ allocate_cents(
                'lines.revenue_usd',
                'partner_credits.credit',
                'partner_credits.line_id, partner_credits.model',
                'partner_credits.partner_id'
            ) }} as {{ money_type() }}
        ) as credited_revenue_usd,
        lines.line_kind,
        lines.close_date,
        lines.is_won
    from partner_credits
    inner join lines on partner_credits.line_id = lines.line_id
)

select * from final
