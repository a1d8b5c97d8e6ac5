-- Every partner as of D: the CRM's partners plus one reseller per marketplace code the CRM does
-- not know (METRICS.md section 1: a marketplace is a partner, never signed).
with crm_partners as (
    select * from {{ ref('stg_crm__partners') }}
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
        true as is_marketplace
    from marketplace_codes
    left join marketplace_names on marketplace_codes.marketplace = marketplace_names.marketplace
    left join crm_partners on marketplace_codes.marketplace = crm_partners.partner_id
    where crm_partners.partner_id is null
),

unioned as (
    select
        partner_id,
        partner_name,
        partner_type,
        agreement_signed_at,
        agreement_date,
        terminated_date,
        strategic_value_score,
        false as is_marketplace
    from crm_partners
    union all
    select * from marketplace_partners
),

final as (
    select
        *,
        coalesce(
            agreement_date <= {{ as_of_date() }}
            and (terminated_date is null or terminated_date > {{ as_of_date() }}),
            false
        ) as is_signed
    from unioned
)

select * from final
