import type { Delivery, DeliveryOutcome, Receipt } from './ingest.ts';

/** How deliveries are grouped into transactions (INGEST_BATCH_MAX_EVENTS, INGEST_BATCHES_IN_FLIGHT). */
export interface BatchingSettings {
  /** Events per batch at most; one delivery with more still goes alone. */
  maxEvents: number;
  /** Batches stored at once: while all of them run, new deliveries wait and form the next ones. */
  inFlight: number;
}

interface Waiting {
  delivery: Delivery;
  resolve: (receipts: Receipt[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the webhook receivers. A delivery that arrives while a batch slot is free is
 * stored at once, alone (no timer: an idle server adds no latency); deliveries that arrive while
 * every slot is busy wait together and go as the next batch, so a burst costs one transaction per
 * batch instead of one per delivery. Each caller is answered with its own delivery's outcome, only
 * once the batch committed.
 */
export class IngestBatcher {
  readonly #store: (deliveries: Delivery[]) => Promise<DeliveryOutcome[]>;
  readonly #settings: BatchingSettings;
  #waiting: Waiting[] = [];
  #running = 0;

  constructor(store: (deliveries: Delivery[]) => Promise<DeliveryOutcome[]>, settings: BatchingSettings) {
    this.#store = store;
    this.#settings = settings;
  }

  submit(delivery: Delivery): Promise<Receipt[]> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ delivery, resolve, reject });
      this.#startBatches();
    });
  }

  #startBatches(): void {
    while (this.#running < this.#settings.inFlight && this.#waiting.length > 0) {
      this.#running++;
      void this.#run(this.#takeBatch());
    }
  }

  /** The oldest waiting deliveries, up to maxEvents events (at least one delivery). */
  #takeBatch(): Waiting[] {
    let events = 0;
    let count = 0;
    for (const waiting of this.#waiting) {
      events += waiting.delivery.events.length;
      if (count > 0 && events > this.#settings.maxEvents) break;
      count++;
    }
    return this.#waiting.splice(0, count);
  }

  async #run(batch: Waiting[]): Promise<void> {
    try {
      const outcomes = await this.#store(batch.map((w) => w.delivery));
      outcomes.forEach((outcome, i) => ('error' in outcome ? batch[i]!.reject(outcome.error) : batch[i]!.resolve(outcome.receipts)));
    } catch (err) {
      for (const waiting of batch) waiting.reject(err);
    } finally {
      this.#running--;
      this.#startBatches();
    }
  }
}
