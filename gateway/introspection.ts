// Introspection as a validation rule rather than Apollo Server's `introspection` flag, so that the refusal names
// the setting an operator can change, and the same rule guards HTTP and WebSocket operations.
import { GraphQLError, type ValidationRule } from 'graphql';

export const INTROSPECTION_SETTING = 'TSUNAGI_GRAPHQL_INTROSPECTION';

/** Refuses `__schema` and `__type` (`__typename` stays allowed: clients need it). */
export const noIntrospection: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '__schema' || node.name.value === '__type') {
      context.reportError(new GraphQLError(
        `GraphQL introspection is off on this server; set ${INTROSPECTION_SETTING}=true to turn it on (on by default in sandbox mode). ` +
          'The schema is also checked in as schema/api.graphql.',
        // validationErrorCode as Apollo Server's own refusal has it (over HTTP Apollo sets `code` to GRAPHQL_VALIDATION_FAILED).
        { nodes: [node], extensions: { code: 'INTROSPECTION_DISABLED', validationErrorCode: 'INTROSPECTION_DISABLED' } },
      ));
    }
  },
});

/** The validation rules to add to the standard ones: none when introspection is on. */
export const introspectionRules = (enabled: boolean): ValidationRule[] => (enabled ? [] : [noIntrospection]);
