{#- A partner id as it entered from a tool, made the program's partner_id through the partner
    crosswalk (reference/partner_crosswalk): an id the crosswalk maps to exactly one partner_id is
    replaced by it; any other id is kept as exported (with no crosswalk every id is kept). The
    model imports stg_reference__partner_crosswalk as the CTE `partner_crosswalk`.
    Which crosswalk rows apply depends on the tool the row came from (`tool_expr`, the raw
    `_tool` lineage column: the `tool` its export format declares): rows of that tool and rows
    with no tool (empty or `*`: every tool). A row from a canonical file (no tool) is matched by
    value against every crosswalk row, as the ids of a canonical file may come from any tool. So
    the same id string in two tools (impact's numeric partner ids, Microsoft partner ids) maps
    to each tool's partner; an id mapped to two partner ids is left unmapped
    (audit_unmapped_partner_ids), never guessed. -#}
{% macro partner_id_of(id_expr, tool_expr='_tool') -%}
    coalesce(
        (
            select
                case
                    when count(distinct mapped.mapped_partner_id) = 1
                        then min(mapped.mapped_partner_id)
                end
            -- renamed so that `id_expr` and `tool_expr`, unqualified, bind to the model's own row
            from (
                select
                    tool as mapped_tool,
                    tool_partner_id as mapped_tool_id,
                    partner_id as mapped_partner_id
                from partner_crosswalk
            ) as mapped
            where
                mapped.mapped_tool_id = {{ id_expr }}
                and (
                    mapped.mapped_tool is null
                    or {{ tool_expr }} is null
                    or mapped.mapped_tool = lower({{ tool_expr }})
                )
        ),
        {{ id_expr }}
    )
{%- endmacro %}
