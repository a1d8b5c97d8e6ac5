with current_versions as (
    {{ latest_version(source('crm', 'partner_touches')) }}
),

partner_crosswalk as (
    select * from {{ ref('stg_reference__partner_crosswalk') }}
),

renamed as (
    select
        touch_id,
        opportunity_id,
        {{ partner_id_of('partner_id') }} as partner_id,
        -- a report names the partner instead (resolved in int_partner_touches_resolved)
        partner_name,
        -- the partner's role on the relationship: types a partner account (int_partners)
        partner_role,
        lower(touch_kind) as touch_kind,
        touched_at,
        cast(touched_at as date) as touched_date
    from current_versions
)

select * from renamed
