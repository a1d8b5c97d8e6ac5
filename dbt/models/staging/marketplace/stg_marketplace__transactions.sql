with current_versions as (
    {{ latest_version(source('marketplace', 'transactions')) }}
),

partner_crosswalk as (
    select * from {{ ref('stg_reference__partner_crosswalk') }}
),

renamed as (
    select
        transaction_id,
        lower(marketplace) as marketplace,
        transaction_at,
        cast(transaction_at as date) as transaction_date,
        gross_amount,
        upper(currency) as currency,
        marketplace_fee,
        {{ partner_id_of('reseller_partner_id') }} as reseller_partner_id,
        opportunity_id,
        customer_account_id,
        customer_domain,
        {{ normalize_domain('customer_domain') }} as normalized_domain,
        offer_id
    from current_versions
)

select * from renamed
