-- Account matching by customer domain, per source (LANDING.md): how many rows named a customer
-- by domain or e-mail instead of an account id, how many matched a CRM account, and the match rate.
-- Unmatched rows stay in the marts' inputs; free-mail domains never match.
with free_mail as (
    select lower(domain) as domain from {{ ref('free_mail_domains') }}
),

account_domains as (
    select * from {{ ref('int_account_domains') }}
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

registrations as (
    select * from {{ ref('stg_crm__deal_registrations') }}
),

named_by_domain as (
    select
        'affiliate/referrals' as source_entity,
        normalized_domain
    from referrals
    where normalized_domain is not null
    union all
    select
        'marketplace/transactions' as source_entity,
        normalized_domain
    from transactions
    where customer_account_id is null and normalized_domain is not null
    union all
    select
        'marketplace/integration_installs' as source_entity,
        normalized_domain
    from installs
    where account_id is null and normalized_domain is not null
    union all
    select
        'crm/deal_registrations' as source_entity,
        normalized_domain
    from registrations
    where account_id is null and normalized_domain is not null
),

final as (
    select
        named_by_domain.source_entity,
        count(*) as rows_named_by_domain,
        count(account_domains.account_id) as rows_matched,
        count(free_mail.domain) as rows_free_mail,
        count(case when account_domains.accounts_sharing_domain > 1 then 1 end)
            as rows_matched_on_shared_domain,
        cast(count(account_domains.account_id) * 1.0 / count(*) as double) as match_rate
    from named_by_domain
    left join account_domains
        on named_by_domain.normalized_domain = account_domains.normalized_domain
    left join free_mail on named_by_domain.normalized_domain = free_mail.domain
    group by named_by_domain.source_entity
)

select * from final
