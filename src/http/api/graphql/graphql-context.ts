import type { UserActor } from '../../../domain/auth/actor.js';
import type { Services } from '../../../domain/services.js';
import type { UrlBase } from '../presenters/urls.js';

/** What every resolver gets: who asks (always signed in: GraphQL needs a credential), the services, the URLs. */
export interface GraphQLContext {
  actor: UserActor;
  services: Services;
  urls: UrlBase;
  /** One `git rev-parse` per repository per request, however many fields ask. */
  branchCache: Map<string, Promise<string | null>>;
}
