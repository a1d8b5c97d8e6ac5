with current_versions as (
    {{ latest_version(source('crm', 'campaigns')) }}
),

partner_crosswalk as (
    select * from {{ ref('stg_reference__partner_crosswalk') }}
),

renamed as (
    select
        campaign_id,
        campaign_name,
        {{ partner_id_of('partner_id') }} as partner_id,
        start_date,
        end_date,
        updated_at
    from current_versions
)

select * from renamed
