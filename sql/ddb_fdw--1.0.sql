/* ddb_fdw--1.0.sql: install script of ddb_fdw 1.0 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION ddb_fdw" to load this file. \quit

CREATE FUNCTION ddb_fdw.ddb_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION ddb_fdw.ddb_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER ddb_fdw
  HANDLER ddb_fdw.ddb_fdw_handler
  VALIDATOR ddb_fdw.ddb_fdw_validator;

COMMENT ON FOREIGN DATA WRAPPER ddb_fdw IS 'Amazon DynamoDB';
