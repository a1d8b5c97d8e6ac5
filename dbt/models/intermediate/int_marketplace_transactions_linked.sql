-- Marketplace transactions up to D, each linked to an opportunity (by opportunity_id, else by
-- offer_id = the opportunity's marketplace_offer_id) and credited to a partner: the reseller when
-- it exists as a partner, else the marketplace itself (METRICS.md section 2).
with transactions as (
    select * from {{ ref('stg_marketplace__transactions') }}
    where transaction_date <= {{ as_of_date() }}
),

opportunities as (
    select * from {{ ref('int_opportunities_valued') }}
),

partners as (
    select partner_id from {{ ref('int_partners') }}
),

account_domains as (
    select * from {{ ref('int_account_domains') }}
),

offers as (
    select
        marketplace_offer_id,
        min(opportunity_id) as opportunity_id
    from opportunities
    where marketplace_offer_id is not null
    group by marketplace_offer_id
),

final as (
    select
        transactions.transaction_id,
        transactions.marketplace,
        transactions.transaction_at,
        transactions.transaction_date,
        transactions.gross_amount,
        transactions.currency,
        coalesce(by_id.opportunity_id, offers.opportunity_id) as opportunity_id,
        coalesce(resellers.partner_id, transactions.marketplace) as partner_id,
        coalesce(transactions.customer_account_id, account_domains.account_id) as account_id
    from transactions
    left join opportunities as by_id on transactions.opportunity_id = by_id.opportunity_id
    left join offers on transactions.offer_id = offers.marketplace_offer_id
    left join partners as resellers on transactions.reseller_partner_id = resellers.partner_id
    left join account_domains on transactions.normalized_domain = account_domains.normalized_domain
)

select * from final
