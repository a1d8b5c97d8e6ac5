-- Partner ids that enter from a tool (after the partner crosswalk, macro partner_id_of) and are
-- no partner as of D: neither a partner of int_partners (crm/partners, partner accounts,
-- marketplaces) nor mapped by reference/partner_crosswalk to one. Their rows count for no partner
-- until the crosswalk maps the id or the partner is added; never guessed.
with touches as (
    select * from {{ ref('stg_crm__partner_touches') }}
),

registrations as (
    select * from {{ ref('stg_crm__deal_registrations') }}
),

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

referrals as (
    select * from {{ ref('stg_affiliate__referrals') }}
),

transactions as (
    select * from {{ ref('stg_marketplace__transactions') }}
),

installs as (
    select * from {{ ref('stg_marketplace__integration_installs') }}
),

fund_requests as (
    select * from {{ ref('stg_mdf__fund_requests') }}
),

survey_responses as (
    select * from {{ ref('stg_surveys__partner_nps') }}
),

partners as (
    select * from {{ ref('int_partners') }}
),

partner_ids as (
    select
        'crm/partner_touches' as entity,
        partner_id
    from touches
    union all
    select
        'crm/deal_registrations' as entity,
        partner_id
    from registrations
    union all
    select
        'crm/campaigns' as entity,
        partner_id
    from campaigns
    union all
    select
        'crm/accounts' as entity,
        partner_owner_id as partner_id
    from accounts
    union all
    select
        'affiliate/referrals' as entity,
        partner_id
    from referrals
    union all
    select
        'marketplace/transactions' as entity,
        reseller_partner_id as partner_id
    from transactions
    union all
    select
        'marketplace/integration_installs' as entity,
        partner_id
    from installs
    union all
    select
        'mdf/fund_requests' as entity,
        partner_id
    from fund_requests
    union all
    select
        'surveys/partner_nps' as entity,
        partner_id
    from survey_responses
),

final as (
    select
        partner_ids.entity,
        partner_ids.partner_id,
        count(*) as row_count
    from partner_ids
    left join partners on partner_ids.partner_id = partners.partner_id
    where partner_ids.partner_id is not null and partners.partner_id is null
    group by partner_ids.entity, partner_ids.partner_id
)

select * from final
