with current_versions as (
    {{ latest_version(source('surveys', 'partner_nps')) }}
),

partner_crosswalk as (
    select * from {{ ref('stg_reference__partner_crosswalk') }}
),

renamed as (
    select
        response_id,
        {{ partner_id_of('partner_id') }} as partner_id,
        responded_at,
        cast(responded_at as date) as responded_date,
        score
    from current_versions
)

select * from renamed
