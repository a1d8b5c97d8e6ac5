-- Every partner as of D: the CRM's partners, the CRM accounts whose type marks them as partners,
-- and one reseller per marketplace code neither knows (METRICS.md section 1: a marketplace is a
-- partner, never signed).
-- - A partner account (account_type mapped by the seed account_type_partner_types, ignoring case
--   and spaces, or is_partner with the var partner_account_default_type) is a partner whose id is
--   the account id, signed when the account was created (empty when the export lacks it: never
--   signed). crm/partners wins: an account listed there is that partner.
-- - A partner is a marketplace when its id is a marketplace code (the seed's, or one seen in
--   transactions), so a marketplace the CRM lists (with its own agreement) is one too.
with crm_partners as (
    select * from {{ ref('stg_crm__partners') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

account_types as (
    select * from {{ ref('account_type_partner_types') }}
),

transactions as (
    select * from {{ ref('stg_marketplace__transactions') }}
),

marketplace_names as (
    select * from {{ ref('marketplaces') }}
),

marketplace_codes as (
    select distinct marketplace
    from transactions
    where transaction_date <= {{ as_of_date() }}
),

known_codes as (
    select marketplace from marketplace_codes
    union
    select marketplace from marketplace_names
),

partner_accounts as (
    select
        accounts.account_id as partner_id,
        accounts.account_name as partner_name,
        coalesce(
            account_types.partner_type,
            case when accounts.is_partner then '{{ var("partner_account_default_type") }}' end
        ) as partner_type,
        accounts.created_at as agreement_signed_at,
        accounts.created_date as agreement_date,
        cast(null as date) as terminated_date,
        cast(null as double) as strategic_value_score,
        cast(null as {{ dbt.type_string() }}) as partner_manager,
        cast(null as {{ dbt.type_string() }}) as region
    from accounts
    left join account_types
        on {{ name_key('accounts.account_type') }} = {{ name_key('account_types.account_type') }}
    left join crm_partners on accounts.account_id = crm_partners.partner_id
    where
        crm_partners.partner_id is null
        and (account_types.partner_type is not null or accounts.is_partner)
),

named_partners as (
    select
        partner_id,
        partner_name,
        partner_type,
        agreement_signed_at,
        agreement_date,
        terminated_date,
        strategic_value_score,
        partner_manager,
        region
    from crm_partners
    union all
    select * from partner_accounts
),

marketplace_partners as (
    select
        marketplace_codes.marketplace as partner_id,
        coalesce(marketplace_names.marketplace_name, marketplace_codes.marketplace)
            as partner_name,
        'reseller' as partner_type,
        cast(null as timestamp) as agreement_signed_at,
        cast(null as date) as agreement_date,
        cast(null as date) as terminated_date,
        cast(null as double) as strategic_value_score,
        cast(null as {{ dbt.type_string() }}) as partner_manager,
        cast(null as {{ dbt.type_string() }}) as region
    from marketplace_codes
    left join marketplace_names on marketplace_codes.marketplace = marketplace_names.marketplace
    left join named_partners on marketplace_codes.marketplace = named_partners.partner_id
    where named_partners.partner_id is null
),

unioned as (
    select * from named_partners
    union all
    select * from marketplace_partners
),

final as (
    select
        unioned.*,
        known_codes.marketplace is not null as is_marketplace,
        coalesce(
            unioned.agreement_date <= {{ as_of_date() }}
            and (
                unioned.terminated_date is null
                or unioned.terminated_date > {{ as_of_date() }}
            ),
            false
        ) as is_signed
    from unioned
    left join known_codes on unioned.partner_id = known_codes.marketplace
)

select * from final
