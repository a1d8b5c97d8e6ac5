with current_versions as (
    {{ latest_version(source('crm', 'partners')) }}
),

renamed as (
    select
        partner_id,
        partner_name,
        partner_type,
        agreement_signed_at,
        cast(agreement_signed_at as date) as agreement_date,
        terminated_at,
        cast(terminated_at as date) as terminated_date,
        strategic_value_score,
        partner_manager,
        region,
        updated_at
    from current_versions
)

select * from renamed
