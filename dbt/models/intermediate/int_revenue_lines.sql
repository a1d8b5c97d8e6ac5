-- Revenue lines (METRICS.md section 2): every opportunity that exists as of D, and every
-- marketplace transaction that links to no opportunity as a line of its own,
-- `marketplace:<transaction_id>`, won on its transaction date and sourced by its partner.
with opportunities as (
    select * from {{ ref('int_opportunities_valued') }}
),

sourcing as (
    select * from {{ ref('int_opportunities_sourced') }}
),

marketplace_only as (
    select * from {{ ref('int_marketplace_transactions_linked') }}
    where opportunity_id is null
),

fx as (
    select * from {{ ref('int_fx_rates_daily') }}
),

opportunity_lines as (
    select
        opportunities.opportunity_id as line_id,
        'opportunity' as line_kind,
        opportunities.account_id,
        opportunities.created_date,
        opportunities.close_date,
        opportunities.is_closed_as_of as is_closed,
        opportunities.is_won_as_of as is_won,
        opportunities.window_end_date,
        opportunities.amount,
        opportunities.currency,
        opportunities.amount_usd,
        opportunities.fx_rate,
        opportunities.campaign_id,
        sourcing.sourcing_partner_id,
        sourcing.source_rule,
        sourcing.source_event_date as sourced_date,
        sourcing.source_event_id,
        sourcing.source_event_at,
        cast(null as {{ dbt.type_string() }}) as transaction_id,
        cast(null as timestamp) as transaction_at
    from opportunities
    left join sourcing on opportunities.opportunity_id = sourcing.opportunity_id
),

marketplace_lines as (
    select
        {{ marketplace_line_id('marketplace_only.transaction_id') }} as line_id,
        'marketplace_only' as line_kind,
        marketplace_only.account_id,
        marketplace_only.transaction_date as created_date,
        marketplace_only.transaction_date as close_date,
        true as is_closed,
        true as is_won,
        marketplace_only.transaction_date as window_end_date,
        marketplace_only.gross_amount as amount,
        marketplace_only.currency,
        {{ to_reporting_currency(
            'marketplace_only.gross_amount', 'marketplace_only.currency', 'fx.rate_to_reporting'
        ) }} as amount_usd,
        {{ reporting_rate('marketplace_only.currency', 'fx.rate_to_reporting') }} as fx_rate,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        marketplace_only.partner_id as sourcing_partner_id,
        'marketplace' as source_rule,
        marketplace_only.transaction_date as sourced_date,
        marketplace_only.transaction_id as source_event_id,
        marketplace_only.transaction_at as source_event_at,
        marketplace_only.transaction_id,
        marketplace_only.transaction_at
    from marketplace_only
    left join fx
        on
            marketplace_only.currency = fx.currency
            and marketplace_only.transaction_date = fx.rate_day
),

unioned as (
    select * from opportunity_lines
    union all
    select * from marketplace_lines
),

final as (
    select
        *,
        case when is_won then amount_usd else 0 end as revenue_usd,
        amount_usd is null as is_unconverted
    from unioned
)

select * from final
