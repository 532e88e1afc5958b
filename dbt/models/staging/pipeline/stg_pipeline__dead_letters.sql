with

source as (

    select * from {{ source('pipeline', 'dead_letters') }}

),

renamed as (

    select
        ----------  ids
        {{ surrogate_key(['source', 'message_id', 'stage', 'received_at', 'ingest_id']) }}
            as dead_letter_key,
        message_id,

        ----------  strings
        source as input_source,
        stage,
        contract,
        error_class,
        error_message,

        ----------  timestamps
        {{ to_utc_timestamp('received_at') }} as received_at,
        {{ to_utc_timestamp('ingested_at') }} as ingested_at

    from source

)

select * from renamed
