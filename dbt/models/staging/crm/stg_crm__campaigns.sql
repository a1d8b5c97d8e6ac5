with current_versions as (
    {{ latest_version(source('crm', 'campaigns')) }}
),

renamed as (
    select
        campaign_id,
        campaign_name,
        partner_id,
        start_date,
        end_date,
        updated_at
    from current_versions
)

select * from renamed
