with current_versions as (
    {{ latest_version(source('crm', 'accounts')) }}
),

partner_crosswalk as (
    select * from {{ ref('stg_reference__partner_crosswalk') }}
),

renamed as (
    select
        account_id,
        account_name,
        domain,
        {{ normalize_domain('domain') }} as normalized_domain,
        {{ partner_id_of('partner_owner_id') }} as partner_owner_id,
        created_at,
        cast(created_at as date) as created_date,
        account_type,
        coalesce(is_partner, false) as is_partner,
        updated_at
    from current_versions
)

select * from renamed
