-- Which partner_id a tool's own id of a partner stands for (applied by the partner_id_of macro)
with current_versions as (
    {{ latest_version(source('reference', 'partner_crosswalk')) }}
),

renamed as (
    select
        lower(tool) as tool,
        tool_partner_id,
        partner_id
    from current_versions
)

select * from renamed
