export { type RegistryRequest, type SchemaRegistryDouble, startSchemaRegistryDouble } from './schema-registry-double.js'
