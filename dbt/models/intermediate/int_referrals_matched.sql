-- Affiliate referrals up to D with the CRM account their customer's domain or e-mail matches.
with referrals as (
    select * from {{ ref('stg_affiliate__referrals') }}
    where cast(referred_at as date) <= {{ as_of_date() }}
),

account_domains as (
    select * from {{ ref('int_account_domains') }}
),

final as (
    select
        referrals.*,
        account_domains.account_id,
        -- a conversion dated after D has not happened yet
        coalesce(
            referrals.status = 'converted'
            and referrals.converted_date <= {{ as_of_date() }},
            false
        ) as is_converted_as_of
    from referrals
    left join account_domains on referrals.normalized_domain = account_domains.normalized_domain
)

select * from final
