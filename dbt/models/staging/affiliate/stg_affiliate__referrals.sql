with current_versions as (
    {{ latest_version(source('affiliate', 'referrals')) }}
),

partner_crosswalk as (
    select * from {{ ref('stg_reference__partner_crosswalk') }}
),

renamed as (
    select
        referral_id,
        {{ partner_id_of('partner_id') }} as partner_id,
        referred_at,
        customer_email,
        customer_domain,
        {{ normalize_domain('coalesce(customer_domain, customer_email)') }} as normalized_domain,
        status,
        converted_at,
        cast(converted_at as date) as converted_date,
        revenue,
        commission,
        upper(currency) as currency,
        updated_at
    from current_versions
)

select * from renamed
