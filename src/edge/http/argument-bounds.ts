import {
  getArgumentValues,
  getNamedType,
  GraphQLError,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { CLIENT_PAGE_MAX, CLIENT_PAGED } from '../../../resolvers/pagination.ts';

/*
 * Bounds on what a client asks for through arguments, checked once the variables are known and
 * before any resolver runs: the page size of every connection, and the length of every string in
 * a filter. Resolvers keep their own checks (they also serve the REST shims, whose `limit` has its
 * own documented bounds); these are the narrower rules for operations sent to /graphql.
 */

export const PAGE_SIZE = { min: 1, max: CLIENT_PAGE_MAX } as const;
/** DNS names (253) and the other keys filters compare with fit; a search expression is longer. */
export const FILTER_STRING_MAX = 256;
export const SEARCH_EXPRESSION_MAX = 1000;

type Variables = Record<string, unknown> | null | undefined;

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
}

/** Every string inside a filter input, with its path: `filter.domain`, `filter.q` … */
function* filterStrings(type: GraphQLInputType, value: unknown, path: string): Generator<{ path: string; key: string; text: string }> {
  if (value == null) return;
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* filterStrings(inner.ofType, item, `${path}[${i}]`);
    return;
  }
  if (isInputObjectType(inner)) {
    for (const field of Object.values(inner.getFields())) {
      yield* filterStrings(field.type, (value as Record<string, unknown>)[field.name], `${path}.${field.name}`);
    }
    return;
  }
  if (typeof value === 'string') yield { path, key: path.split('.').at(-1)!, text: value };
}

/**
 * The first bound the operation's arguments break, or null. Arguments that fail to coerce are
 * left to execution, which reports them as GraphQL always does.
 */
export function argumentBoundsProblem(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Variables,
  pageSizes: boolean,
): GraphQLError | null {
  const typeInfo = new TypeInfo(schema);
  let problem: GraphQLError | null = null;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const def = typeInfo.getFieldDef();
        if (!def || problem) return;
        let args: Record<string, unknown>;
        try {
          args = getArgumentValues(def, node, variables ?? undefined);
        } catch {
          return;
        }
        if (pageSizes && isPaged(def)) {
          for (const name of ['first', 'last'] as const) {
            const size = args[name];
            if (typeof size === 'number' && (size < PAGE_SIZE.min || size > PAGE_SIZE.max)) {
              problem = badInput(`${def.name}: ${name} must be between ${PAGE_SIZE.min} and ${PAGE_SIZE.max}`);
            }
          }
        }
        for (const arg of def.args) {
          if (!getNamedType(arg.type).name.endsWith('Filter')) continue;
          for (const { path, key, text } of filterStrings(arg.type, args[arg.name], arg.name)) {
            const max = key === 'q' ? SEARCH_EXPRESSION_MAX : FILTER_STRING_MAX;
            if (text.length > max && !problem) problem = badInput(`${def.name}: ${path} is longer than ${max} characters`);
          }
        }
      },
    }),
  );
  return problem;
}

/** A connection (or client-paged list) field: its `first`/`last` are page sizes. */
function isPaged(def: GraphQLField<unknown, unknown>): boolean {
  return getNamedType(def.type).name.endsWith('Connection') || def.extensions[CLIENT_PAGED] === true;
}

const hasFilterArgument = (def: GraphQLField<unknown, unknown>): boolean =>
  def.args.some((arg) => getNamedType(arg.type).name.endsWith('Filter'));

/**
 * Whether a document has any field these bounds apply to, per schema and document: yoga's parser
 * cache hands back the same document for the same text, so most operations (`{ __typename }`, a
 * detail query) are judged once instead of walked with type information on every execution.
 */
const boundedDocuments = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, boolean>>();

function hasBoundedFields(schema: GraphQLSchema, document: DocumentNode): boolean {
  let bySchema = boundedDocuments.get(schema);
  if (!bySchema) boundedDocuments.set(schema, (bySchema = new WeakMap()));
  let bounded = bySchema.get(document);
  if (bounded === undefined) {
    const typeInfo = new TypeInfo(schema);
    bounded = false;
    visit(
      document,
      visitWithTypeInfo(typeInfo, {
        Field() {
          const def = typeInfo.getFieldDef();
          if (def && (isPaged(def) || hasFilterArgument(def))) bounded = true;
        },
      }),
    );
    bySchema.set(document, bounded);
  }
  return bounded;
}

/**
 * Documents whose arguments are all literals, judged within bounds (per `pageSizes`): the same
 * document again needs no second walk (a console repeats its list query; yoga caches the parsed
 * document per text, so it is the same object). Only passes are kept: a refusal is built afresh.
 */
const passedDocuments = new WeakMap<DocumentNode, Set<boolean>>();

/** The `pageSizes` settings this document has passed under. */
function passesOf(document: DocumentNode): Set<boolean> {
  let passed = passedDocuments.get(document);
  if (!passed) passedDocuments.set(document, (passed = new Set()));
  return passed;
}

function usesVariables(document: DocumentNode): boolean {
  return document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && (d.variableDefinitions?.length ?? 0) > 0);
}

/**
 * The page-size rule is for operations sent to the GraphQL endpoint (HTTP, SSE or graphql-ws);
 * a REST shim runs with its request's own path and has already bounded its `limit`.
 */
export function argumentBounds(graphqlEndpoint: string): Plugin {
  const sentToEndpoint = (context: unknown): boolean => {
    const request = (context as { request?: Request }).request;
    return !!request && new URL(request.url).pathname.replace(/\/$/, '') === graphqlEndpoint;
  };
  const judge = ({
    args,
    setResultAndStopExecution,
  }: {
    args: ExecutionArgs;
    setResultAndStopExecution: (result: ExecutionResult) => void;
  }) => {
    if (!hasBoundedFields(args.schema, args.document)) return;
    const pageSizes = sentToEndpoint(args.contextValue);
    const constant = !usesVariables(args.document);
    if (constant && passesOf(args.document).has(pageSizes)) return;
    const problem = argumentBoundsProblem(args.schema, args.document, args.variableValues as Variables, pageSizes);
    if (problem) setResultAndStopExecution({ errors: [problem] });
    else if (constant) passesOf(args.document).add(pageSizes);
  };
  return { onExecute: judge, onSubscribe: judge };
}
