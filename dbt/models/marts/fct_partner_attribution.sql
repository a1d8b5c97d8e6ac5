-- Credit per influenced revenue line, partner and attribution model, and the revenue it earns.
-- Credited revenue is split in whole cents that add up to the line's revenue exactly.
with credits as (
    select * from {{ ref('int_attribution_credits') }}
),

lines as (
    select * from {{ ref('fct_opportunity_partner') }}
),

final as (
    select
        credits.line_id as opportunity_id,
        credits.partner_id,
        credits.model,
        credits.credit,
        cast(
            {{ allocate_cents(
                'lines.revenue_usd',
                'credits.credit',
                'credits.line_id, credits.model',
                'credits.partner_id'
            ) }} as decimal(18, 2)
        ) as credited_revenue_usd,
        lines.close_date,
        lines.is_won
    from credits
    inner join lines on credits.line_id = lines.opportunity_id
)

select * from final
