with current_versions as (
    {{ latest_version(source('surveys', 'partner_nps')) }}
),

renamed as (
    select
        response_id,
        partner_id,
        responded_at,
        cast(responded_at as date) as responded_date,
        score
    from current_versions
)

select * from renamed
