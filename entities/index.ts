import { ChamadoSchema } from './chamado.entity.ts';
import { ChamadoSequenceSchema } from './chamado-sequence.entity.ts';
import { EventSchema } from './event.entity.ts';
import { ObservableSchema } from './observable.entity.ts';
import { TimelineEntrySchema } from './timeline-entry.entity.ts';
import { UserSchema } from './user.entity.ts';

/** Every entity, listed explicitly for the ORM config (no folder scanning). */
export const ENTITIES = [UserSchema, ChamadoSchema, ChamadoSequenceSchema, EventSchema, TimelineEntrySchema, ObservableSchema];
