-- Deal registrations up to D with the account they hold (METRICS.md section 2): its account_id,
-- else the account matched from customer_domain, else the account of the opportunity it names.
-- A registration counts as approved when approved, or approved and since expired (section 2:
-- expiry does not matter once the opportunity exists; holds end at expires_at, section 7). One
-- whose expiry is before the creation date of the opportunity it names had lapsed before that
-- opportunity existed: it neither sources nor touches it (it still counts toward tiers).
with registrations as (
    select * from {{ ref('stg_crm__deal_registrations') }}
    where registered_date <= {{ as_of_date() }}
),

account_domains as (
    select * from {{ ref('int_account_domains') }}
),

opportunities as (
    select * from {{ ref('int_opportunities_valued') }}
),

final as (
    select
        registrations.registration_id,
        registrations.partner_id,
        registrations.status,
        -- approved, and still approved once it expired: expiry does not undo an approval
        (
            registrations.status = 'approved'
            or (registrations.status = 'expired' and registrations.approved_at is not null)
        ) as is_approved,
        -- lapsed before the opportunity it names was created (UTC dates; expiring that day is not)
        coalesce(
            registrations.expires_date < opportunities.created_date, false
        ) as is_lapsed_before_opportunity,
        registrations.registered_at,
        registrations.registered_date,
        registrations.expires_date,
        registrations.opportunity_id,
        coalesce(
            registrations.account_id, account_domains.account_id, opportunities.account_id
        ) as account_id
    from registrations
    left join account_domains
        on registrations.normalized_domain = account_domains.normalized_domain
    left join opportunities on registrations.opportunity_id = opportunities.opportunity_id
)

select * from final
