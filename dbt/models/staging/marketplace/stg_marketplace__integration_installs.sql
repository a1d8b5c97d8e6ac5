with current_versions as (
    {{ latest_version(source('marketplace', 'integration_installs')) }}
),

partner_crosswalk as (
    select * from {{ ref('stg_reference__partner_crosswalk') }}
),

renamed as (
    select
        install_id,
        {{ partner_id_of('partner_id') }} as partner_id,
        installed_at,
        cast(installed_at as date) as installed_date,
        uninstalled_at,
        cast(uninstalled_at as date) as uninstalled_date,
        account_id,
        customer_domain,
        {{ normalize_domain('customer_domain') }} as normalized_domain
    from current_versions
)

select * from renamed
