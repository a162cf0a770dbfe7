/**
 * The taxonomy section: categories as a tree, each with the model routing currently ranks first
 * for it (no constraints, placement ignored), and whether that model scores the category itself
 * or comes in through the fallback walk from an ancestor.
 */
import type { Registry } from "../../registry/schema";
import { Taxonomy } from "../../registry/taxonomy";

export interface TaxonomyProps {
  registry: Registry;
  /** Top model id per category (canary.ts topModels, cached per registry version). */
  tops: ReadonlyMap<string, string>;
}

function Category(props: TaxonomyProps & { taxonomy: Taxonomy; id: string }) {
  const category = props.taxonomy.get(props.id)!;
  const top = props.tops.get(props.id);
  const model = top === undefined ? undefined : props.registry.models.find((m) => m.id === top);
  const own = model?.categories[props.id];
  const children = props.taxonomy.childrenOf(props.id);
  return (
    <li data-category={props.id}>
      <code>{props.id}</code>{" "}
      {model ? (
        <span class="top-model">
          → <strong>{model.name}</strong>
          {own ? <span class="muted"> (base {own.base_score}, confidence {own.confidence})</span> : <span class="muted"> (via an ancestor)</span>}
        </span>
      ) : (
        <span class="muted">→ no model</span>
      )}
      <div class="muted small">{category.description}</div>
      {children.length > 0 ? (
        <ul>
          {children.map((id) => (
            <Category {...props} id={id} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

export function TaxonomySection(props: TaxonomyProps) {
  const taxonomy = new Taxonomy(props.registry.categories);
  return (
    <section id="taxonomy">
      <h2>Taxonomy and top models</h2>
      <ul class="tree">
        {taxonomy.roots().map((root) => (
          <Category {...props} taxonomy={taxonomy} id={root.id} />
        ))}
      </ul>
    </section>
  );
}
