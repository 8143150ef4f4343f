// The `products` subgraph of Apollo's federation subgraph compatibility suite (its products.graphql), built the
// way every Tsunagi subgraph is built: type-graphql classes turned into a subgraph by subgraphs/federation.ts.
// The data is the suite's reference data: its checks expect exactly these values.
import { DirectiveLocation, GraphQLDirective, type GraphQLSchema } from 'graphql';
import { Arg, Directive, Field, FieldResolver, Float, ID, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { buildFederatedSchema } from '../../subgraphs/federation.js';

/** products.graphql's schema header: federation 2.3 with every directive it uses, and the composed @custom. */
const LINK = `extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@composeDirective", "@extends", "@external", "@key", "@inaccessible", "@interfaceObject", "@override", "@provides", "@requires", "@shareable", "@tag"])
  @link(url: "https://myspecs.dev/myCustomDirective/v1.0", import: ["@custom"])
  @composeDirective(name: "@custom")`;

const custom = new GraphQLDirective({ name: 'custom', locations: [DirectiveLocation.OBJECT] });

@ObjectType()
class ProductVariation {
  @Field(() => ID)
  id!: string;
}

@Directive('@shareable')
@ObjectType()
class ProductDimension {
  @Field(() => String, { nullable: true })
  size!: string | null;

  @Field(() => Float, { nullable: true })
  weight!: number | null;

  @Directive('@inaccessible')
  @Field(() => String, { nullable: true })
  unit!: string | null;
}

@ObjectType()
class CaseStudy {
  @Field(() => ID)
  caseNumber!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;
}

@Directive('@key(fields: "study { caseNumber }")')
@ObjectType()
class ProductResearch {
  @Field(() => CaseStudy)
  study!: CaseStudy;

  @Field(() => String, { nullable: true })
  outcome!: string | null;
}

@Directive('@extends')
@Directive('@key(fields: "email")')
@ObjectType()
class User {
  @Directive('@requires(fields: "totalProductsCreated yearsOfEmployment")')
  @Field(() => Int, { nullable: true })
  averageProductsCreatedPerYear?: number | null;

  @Directive('@external')
  @Field(() => ID)
  email!: string;

  @Directive('@override(from: "users")')
  @Field(() => String, { nullable: true })
  name!: string | null;

  @Directive('@external')
  @Field(() => Int, { nullable: true })
  totalProductsCreated!: number | null;

  /** Owned by the users subgraph: known here only when a representation carries it (@requires). */
  @Directive('@external')
  @Field(() => Int)
  yearsOfEmployment?: number;
}

@Directive('@key(fields: "sku package")')
@ObjectType()
class DeprecatedProduct {
  @Field()
  sku!: string;

  @Field()
  package!: string;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field(() => User, { nullable: true })
  createdBy!: User | null;
}

@Directive('@custom')
@Directive('@key(fields: "id")')
@Directive('@key(fields: "sku package")')
@Directive('@key(fields: "sku variation { id }")')
@ObjectType()
class Product {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  sku!: string | null;

  @Field(() => String, { nullable: true })
  package!: string | null;

  @Field(() => ProductVariation, { nullable: true })
  variation!: ProductVariation | null;

  @Field(() => ProductDimension, { nullable: true })
  dimensions!: ProductDimension | null;

  @Directive('@provides(fields: "totalProductsCreated")')
  @Field(() => User, { nullable: true })
  createdBy!: User | null;

  @Directive('@tag(name: "internal")')
  @Field(() => String, { nullable: true })
  notes!: string | null;

  @Field(() => [ProductResearch])
  research!: ProductResearch[];
}

@Directive('@interfaceObject')
@Directive('@key(fields: "id")')
@ObjectType()
class Inventory {
  @Field(() => ID)
  id!: string;

  @Field(() => [DeprecatedProduct])
  deprecatedProducts!: DeprecatedProduct[];
}

const user: User = { email: 'support@apollographql.com', name: 'Jane Smith', totalProductsCreated: 1337 };
const research: ProductResearch[] = [
  { study: { caseNumber: '1234', description: 'Federation Study' }, outcome: null },
  { study: { caseNumber: '1235', description: 'Studio Study' }, outcome: null },
];
const dimensions: ProductDimension = { size: 'small', weight: 1, unit: 'kg' };
const products: Product[] = [
  {
    id: 'apollo-federation', sku: 'federation', package: '@apollo/federation', variation: { id: 'OSS' },
    dimensions, createdBy: user, notes: null, research: [research[0]!],
  },
  {
    id: 'apollo-studio', sku: 'studio', package: '', variation: { id: 'platform' },
    dimensions, createdBy: user, notes: null, research: [research[1]!],
  },
];
const deprecatedProduct: DeprecatedProduct = {
  sku: 'apollo-federation-v1', package: '@apollo/federation-v1', reason: 'Migrate to Federation V2', createdBy: user,
};
const inventories: Inventory[] = [{ id: 'apollo-oss', deprecatedProducts: [deprecatedProduct] }];

@Resolver(() => Product)
class ProductResolver {
  @Query(() => Product, { nullable: true })
  product(@Arg('id', () => ID) id: string): Product | null {
    return products.find((p) => p.id === id) ?? null;
  }

  @Query(() => DeprecatedProduct, { nullable: true, deprecationReason: 'Use product query instead' })
  deprecatedProduct(@Arg('sku') sku: string, @Arg('package') pkg: string): DeprecatedProduct | null {
    return sku === deprecatedProduct.sku && pkg === deprecatedProduct.package ? deprecatedProduct : null;
  }
}

@Resolver(() => User)
class UserResolver {
  @FieldResolver(() => Int, { nullable: true })
  averageProductsCreatedPerYear(@Root() u: User): number | null {
    return u.totalProductsCreated != null && u.yearsOfEmployment ? Math.round(u.totalProductsCreated / u.yearsOfEmployment) : null;
  }
}

type ProductRef = { id?: string; sku?: string; package?: string; variation?: { id: string } };

export function buildProductsSubgraph(): Promise<GraphQLSchema> {
  return buildFederatedSchema({
    resolvers: [ProductResolver, UserResolver],
    orphanedTypes: [Inventory],
    link: LINK,
    directives: [custom],
    referenceResolvers: {
      Product: {
        __resolveReference: (ref: ProductRef) =>
          products.find((p) =>
            ref.id !== undefined ? p.id === ref.id
            : ref.package !== undefined ? p.sku === ref.sku && p.package === ref.package
            : p.sku === ref.sku && p.variation?.id === ref.variation?.id) ?? null,
      },
      DeprecatedProduct: {
        __resolveReference: (ref: { sku: string; package: string }) =>
          ref.sku === deprecatedProduct.sku && ref.package === deprecatedProduct.package ? deprecatedProduct : null,
      },
      ProductResearch: {
        __resolveReference: (ref: { study: { caseNumber: string } }) => research.find((r) => r.study.caseNumber === ref.study.caseNumber) ?? null,
      },
      // The representation carries the fields @requires asked the users subgraph for.
      User: {
        __resolveReference: (ref: Partial<User> & { email: string }) => (ref.email === user.email ? { ...user, ...ref } : null),
      },
      Inventory: {
        __resolveReference: (ref: { id: string }) => inventories.find((i) => i.id === ref.id) ?? null,
      },
    },
  });
}
