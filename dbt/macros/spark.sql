{#- What dbt needs to run this project on Apache Spark (the `spark` target, README "Scaling out"). -#}

{#- Model contracts are written in DuckDB's type names. Spark spells two of them differently:
    varchar (Spark asks for a length; `string` is the same type) and varchar[] (array<string>). -#}
{% macro spark_type(data_type) -%}
    {%- set spark_names = {'varchar': 'string', 'varchar[]': 'array<string>'} -%}
    {{ return(spark_names.get(data_type | trim | lower, data_type)) }}
{%- endmacro %}

{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set spark_columns = {} -%}
    {%- for name, column in columns.items() -%}
        {%- set spark_column = {} -%}
        {%- do spark_column.update(column) -%}
        {%- if column.get('data_type') -%}
            {%- do spark_column.update({'data_type': spark_type(column['data_type'])}) -%}
        {%- endif -%}
        {%- do spark_columns.update({name: spark_column}) -%}
    {%- endfor -%}
    {{ return(default__get_empty_schema_sql(spark_columns)) }}
{%- endmacro %}


{#- Run at the start of every dbt run (on-run-start): on Spark, each dbt source is a table over the
    Parquet files the ingest wrote, <PARTNER_SPARK_DIR>/raw/<source>/<entity>/_export_date=<date>/
    (dagster_project/spark.py); on DuckDB the ingest's raw tables are the sources and this is a
    no-op. Recreated each run so that new columns are seen; Spark lists the export-date folders when
    it reads (profiles.yml: spark.sql.hive.manageFilesourcePartitions). -#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
    select 1
{%- endmacro %}

{% macro spark__register_raw_sources() -%}
    {%- if execute -%}
        {%- set raw_dir = env_var('PARTNER_SPARK_DIR', '../data/spark') ~ '/raw' -%}
        {%- set schemas = [] -%}
        {%- for node in graph.sources.values() -%}
            {%- if node.schema not in schemas -%}
                {%- do run_query('create database if not exists ' ~ node.schema) -%}
                {%- do schemas.append(node.schema) -%}
            {%- endif -%}
            {%- set table = node.schema ~ '.' ~ node.identifier -%}
            {%- do run_query('drop table if exists ' ~ table) -%}
            {#- the columns as declared (an entity with no rows yet has no file to read them from) -#}
            {%- set columns = [] -%}
            {%- for column in node.columns.values() -%}
                {%- do columns.append(column.name ~ ' ' ~ spark_type(column.data_type)) -%}
            {%- endfor -%}
            {%- do run_query(
                'create table ' ~ table ~ ' (' ~ columns | join(', ') ~ ')'
                ~ " using parquet partitioned by (_export_date) location '"
                ~ raw_dir ~ '/' ~ node.source_name ~ '/' ~ node.name ~ "'"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}


{#- Seeds on Spark: dbt-spark's `session` method binds every value as the text '<value>', so an
    empty cell (None) was loaded as the string 'None' (account_type_partner_types: the generic
    "Partner" row got the partner type 'None'). The same insert as dbt-spark's, an empty cell a
    null. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set bindings = [] -%}
        {%- for row in chunk -%}
            {%- for value in row if value is not none -%}
                {%- do bindings.append(value) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                    {%- set type = column_override.get(col_name, inferred_type) -%}
                    {%- set placeholder = 'null' if row[loop.index0] is none else get_binding_char() -%}
                    cast({{ placeholder }} as {{ type }})
                    {%- if not loop.last %},{% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor -%}
        {%- endset -%}
        {%- do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{%- endmacro %}
