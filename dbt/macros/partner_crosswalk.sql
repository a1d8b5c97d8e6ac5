{#- A partner id as it entered from a tool, made the program's partner_id through the partner
    crosswalk (reference/partner_crosswalk): an id the crosswalk maps to exactly one partner_id is
    replaced by it; any other id is kept as exported (with no crosswalk every id is kept). The
    model imports stg_reference__partner_crosswalk as the CTE `partner_crosswalk`. Ids are
    matched by value whatever the tool the row names: tools' ids do not overlap in practice
    (Salesforce 18-character ids, PartnerStack `part_` keys, 12-digit AWS accounts), and an id
    mapped to two partner ids is left unmapped (audit_unmapped_partner_ids), never guessed. -#}
{% macro partner_id_of(id_expr) -%}
    coalesce(
        (
            select
                case
                    when count(distinct mapped.mapped_partner_id) = 1
                        then min(mapped.mapped_partner_id)
                end
            -- renamed so that `id_expr`, unqualified, binds to the model's own row
            from (
                select
                    tool_partner_id as mapped_tool_id,
                    partner_id as mapped_partner_id
                from partner_crosswalk
            ) as mapped
            where mapped.mapped_tool_id = {{ id_expr }}
        ),
        {{ id_expr }}
    )
{%- endmacro %}
