with current_versions as (
    {{ latest_version(source('crm', 'accounts')) }}
),

renamed as (
    select
        account_id,
        account_name,
        domain,
        {{ normalize_domain('domain') }} as normalized_domain,
        partner_owner_id,
        created_at,
        cast(created_at as date) as created_date,
        updated_at
    from current_versions
)

select * from renamed
