with current_versions as (
    {{ latest_version(source('crm', 'deal_registrations')) }}
),

partner_crosswalk as (
    select * from {{ ref('stg_reference__partner_crosswalk') }}
),

renamed as (
    select
        registration_id,
        {{ partner_id_of('partner_id') }} as partner_id,
        status,
        registered_at,
        cast(registered_at as date) as registered_date,
        approved_at,
        expires_at,
        cast(expires_at as date) as expires_date,
        account_id,
        customer_domain,
        {{ normalize_domain('customer_domain') }} as normalized_domain,
        opportunity_id,
        updated_at
    from current_versions
)

select * from renamed
