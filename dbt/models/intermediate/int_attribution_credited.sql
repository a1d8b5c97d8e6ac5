-- Each credit with the revenue it earns: credit × the line's revenue, split in whole cents that add
-- up to the line's revenue exactly (macros/allocate_cents.sql). Unconverted lines earn null.
with credits as (
    select * from {{ ref('int_attribution_credits') }}
),

lines as (
    select * from {{ ref('int_revenue_lines') }}
),

final as (
    select
        credits.line_id,
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
        lines.line_kind,
        lines.close_date,
        lines.is_won
    from credits
    inner join lines on credits.line_id = lines.line_id
)

select * from final
