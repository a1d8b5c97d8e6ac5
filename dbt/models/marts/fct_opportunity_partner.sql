-- One row per revenue line: every opportunity, and every marketplace-only transaction as
-- `marketplace:<transaction_id>`, with its value, its sourcing partner and whether partners
-- influenced it, and the marketplace its transactions came through.
with lines as (
    select * from {{ ref('int_revenue_lines') }}
),

line_touches as (
    select * from {{ ref('int_line_touches') }}
),

transactions as (
    select * from {{ ref('int_marketplace_transactions_linked') }}
),

-- the marketplace of each line's first transaction (by time, then id): an opportunity's linked
-- transactions, a marketplace-only line's own
line_marketplaces as (
    select
        coalesce(opportunity_id, {{ marketplace_line_id('transaction_id') }}) as line_id,
        marketplace,
        row_number() over (
            partition by coalesce(opportunity_id, {{ marketplace_line_id('transaction_id') }})
            order by transaction_at, transaction_id
        ) as transaction_order
    from transactions
),

touch_counts as (
    select
        line_id,
        count(distinct partner_id) as touching_partner_count
    from line_touches
    group by line_id
),

final as (
    select
        lines.line_id as opportunity_id,
        lines.line_kind,
        lines.account_id,
        lines.is_won,
        lines.close_date,
        lines.amount_usd,
        lines.revenue_usd,
        lines.currency,
        lines.is_unconverted,
        lines.sourcing_partner_id,
        lines.source_rule,
        lines.source_event_id as sourcing_event_id,
        line_marketplaces.marketplace,
        (
            lines.sourcing_partner_id is not null
            or coalesce(touch_counts.touching_partner_count, 0) > 0
        ) as is_partner_influenced,
        coalesce(touch_counts.touching_partner_count, 0) as touching_partner_count,
        lines.created_date,
        lines.is_closed,
        lines.amount,
        lines.campaign_id,
        lines.fx_rate,
        lines.window_end_date as valued_on
    from lines
    left join touch_counts on lines.line_id = touch_counts.line_id
    left join line_marketplaces
        on lines.line_id = line_marketplaces.line_id and line_marketplaces.transaction_order = 1
)

select * from final
