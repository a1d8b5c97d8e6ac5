-- Each partner's share of a line with the revenue it earns: share × the line's revenue, split in
-- whole cents that add up to the line's revenue exactly (macros/allocate_cents.sql). Unconverted
-- lines earn null.
with shares as (
    select * from {{ ref('int_attribution_shares') }}
),

lines as (
    select * from {{ ref('int_revenue_lines') }}
),

final as (
    select
        shares.line_id,
        shares.partner_id,
        shares.model,
        shares.credit,
        cast(
            {{ allocate_cents(
                'lines.revenue_usd',
                'shares.credit',
                'shares.line_id, shares.model',
                'shares.partner_id'
            ) }} as decimal(18, 2)
        ) as credited_revenue_usd,
        lines.line_kind,
        lines.close_date,
        lines.is_won
    from shares
    inner join lines on shares.line_id = lines.line_id
)

select * from final
