-- Which partner_id a tool's own id of a partner stands for (applied by the partner_id_of macro).
-- tool: the format's tool in lower case; null (empty, `*` or no tool column) for every tool.
with current_versions as (
    {{ latest_version(source('reference', 'partner_crosswalk')) }}
),

renamed as (
    select
        case when trim(tool) not in ('', '*') then lower(trim(tool)) end as tool,
        tool_partner_id,
        partner_id
    from current_versions
)

select * from renamed
