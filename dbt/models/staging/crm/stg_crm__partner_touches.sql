with current_versions as (
    {{ latest_version(source('crm', 'partner_touches')) }}
),

renamed as (
    select
        touch_id,
        opportunity_id,
        partner_id,
        lower(touch_kind) as touch_kind,
        touched_at,
        cast(touched_at as date) as touched_date
    from current_versions
)

select * from renamed
