// One product: view, create and edit, with inline validation errors and stale-edit handling.
import { api } from "../core/api.js";
import { fill, h } from "../core/dom.js";
import { fmtAgo, humanize } from "../core/format.js";
import { live } from "../core/live.js";
import { navigate, setLeaveGuard } from "../core/router.js";
import { session } from "../core/session.js";
import { badge, banner, button, cleanMessage, clearFieldErrors, emptyState, pageHeader, showFieldErrors } from "../ui/components.js";
import { watchJob } from "../ui/jobs.js";
import { confirmModal } from "../ui/modal.js";
import { forgetIcon } from "../ui/thumbs.js";
import { toast, toastError } from "../ui/toast.js";
import { pushSelection } from "./push.js";
import { historyCard, iconCard, organizationCard, statusCard, syncCard, titleCard, variantsCard } from "./product-sections.js";
import { mediaCard, metafieldsCard, seoCard } from "./product-shopify.js";
import { stockCard } from "./product-stock.js";

const BLANK = {
  id: null,
  title: "",
  description_html: "",
  vendor: "",
  product_type: "",
  category: null,
  tags: [],
  status: "draft",
  handle: "",
  options: [],
  variants: [],
  images: [],
  metafields: [],
  seo_title: null,
  seo_description: null,
  template_suffix: null,
  gift_card: null,
  gift_card_template_suffix: null,
  requires_selling_plan: null,
  combined_listing_role: null,
  media_complete: true,
  metafields_complete: true,
  version: 0,
  sync_state: "never_synced",
};

const FIELD_LABELS = {
  title: "Title",
  description_html: "Description",
  vendor: "Vendor",
  product_type: "Product type",
  category: "Category",
  tags: "Tags",
  status: "Status",
  handle: "URL handle",
  variants: "Variants",
  images: "Media",
  metafields: "Metafields",
  seo_title: "SEO title",
  seo_description: "SEO description",
  template_suffix: "Theme template",
  gift_card: "Gift card",
  gift_card_template_suffix: "Gift card template",
  requires_selling_plan: "Sold only as a subscription",
};

function changedKeys(before, after) {
  return Object.keys(after).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}

export async function productView(params, query, root) {
  const creating = params.id === null;
  const editable = session.canEdit;
  if (creating && !editable) {
    root.append(emptyState("You can't add products", "Your role can view the catalog but not change it.", h("a", { class: "btn", href: "/products" }, "Back to products")));
    return;
  }
  let product = BLANK;
  // The store's product metafield definitions (pulled from Shopify), offered in the metafields card.
  const definitions = editable
    ? await api("GET", "/api/metafield-definitions", { query: { owner_type: "PRODUCT", per_page: 200 } }).then(
        (page) => page.items,
        () => [],
      )
    : [];
  if (!creating) {
    try {
      product = await api("GET", `/api/products/${encodeURIComponent(params.id)}`);
    } catch (error) {
      root.append(emptyState(error.status === 404 ? "Product not found" : "Could not load the product", error.message, h("a", { class: "btn", href: "/products" }, "Back to products")));
      return;
    }
  }

  const page = h("div", { class: "page" });
  root.append(page);
  let sections = null;
  let baseline = null; // the form's values as loaded: edits are diffed against it
  let dirty = false;
  let offLive = null;

  const saveBar = h("div", { class: "save-bar", role: "region", "aria-label": "Unsaved changes", hidden: true });
  const banners = h("div", { "aria-live": "polite" });
  const saveButton = button(creating ? "Save product" : "Save", { primary: true, onClick: () => save() });
  const discardButton = button("Discard", { onClick: () => discard() });
  saveBar.append(h("span", { class: "msg" }, creating ? "New product" : "Unsaved changes"), discardButton, saveButton);

  function formValues() {
    return Object.assign({}, ...Object.values(sections).map((s) => (s && s.value ? s.value() : {})));
  }

  function markDirty() {
    if (!editable) return;
    dirty = creating || changedKeys(baseline, formValues()).length > 0;
    saveBar.hidden = !dirty;
    setLeaveGuard(dirty ? () => window.confirm("Leave this page? Your unsaved changes will be lost.") : null);
  }

  function render() {
    document.title = `${creating ? "Add product" : product.title} · Product Dashboard`;
    sections = {
      title: titleCard(product, editable, markDirty),
      variants: variantsCard(product, editable, markDirty),
      media: mediaCard(product, editable, markDirty, creating ? null : uploadImage),
      seo: seoCard(product, editable, markDirty),
      metafields: metafieldsCard(product, editable, markDirty, definitions),
      status: statusCard(product, editable, markDirty),
      organization: organizationCard(product, editable, markDirty),
    };
    baseline = formValues();
    const headerActions = [];
    if (!creating && editable) headerActions.push(button("Delete product", { onClick: remove }));
    const header = pageHeader(creating ? "Add product" : product.title, {
      back: "/products",
      actions: headerActions,
      subtitle: creating ? null : h("span", { class: "btn-group" }, badge(product.status), badge(product.sync_state)),
    });
    const left = h("div", sections.title.node, sections.media.node, sections.variants.node, creating ? null : stockCard(product, editable, reloadAfterStock), sections.metafields.node, sections.seo.node);
    const right = h(
      "div",
      sections.status.node,
      sections.organization.node,
      creating ? null : iconCard(product, editable, generateIcon),
      creating ? null : syncCard(product, editable, () => pushSelection({ product_ids: [product.id] }, 1)),
      creating ? null : historyCard(product),
    );
    const footer = editable ? h("div", { class: "page-header", style: "justify-content: flex-end; margin-top: 16px" }, h("div", { class: "actions" }, saveButtonBottom())) : null;
    fill(page, saveBar, header, banners, h("div", { class: "columns" }, left, right), footer);
    if (!editable) page.prepend(banner({ tone: "info", title: "View only", body: [h("p", "Your role can view products but not change them.")] }));
    markDirty();
  }

  async function uploadImage(file) {
    // The upload is an edit of its own (a new version): unsaved edits would then be stale.
    if (dirty) throw new Error("Save or discard your changes before uploading an image.");
    const form = new FormData();
    form.append("file", file);
    product = await api("POST", `/api/products/${product.id}/images`, { form, headers: { "If-Match": `"${product.version}"` } });
    render();
  }

  async function reloadAfterStock() {
    // A stock edit moves the product's version and totals: the form must save against them.
    if (dirty) return;
    product = await api("GET", `/api/products/${product.id}`);
    render();
  }

  function saveButtonBottom() {
    return button(creating ? "Save product" : "Save", { primary: true, onClick: () => save() });
  }

  function showErrors(error) {
    const unmatched = showFieldErrors(page, error.fields);
    const count = error.fields.length || 1;
    banners.replaceChildren(
      banner({
        tone: "critical",
        title: error.status === 422 ? `There ${count === 1 ? "is 1 error" : `are ${count} errors`} with this product` : "The product could not be saved",
        body: [
          error.fields.length
            ? h(
                "ul",
                error.fields.map((f) => {
                  const loc = (f.loc || []).filter((p) => p !== "body");
                  const where = loc.length ? (loc[0] === "variants" && loc.length > 2 ? `Variant ${Number(loc[1]) + 1} ${humanize(loc[2]).toLowerCase()}` : FIELD_LABELS[loc[0]] || humanize(loc.join(" "))) : "Product";
                  return h("li", `${where}: ${cleanMessage(f.msg)}`);
                }),
              )
            : h("p", error.message),
          unmatched.length && error.fields.length ? null : null,
        ],
      }),
    );
  }

  async function explainStale(error, mine) {
    const current = error.body.current_version;
    let latest = null;
    let by = null;
    try {
      latest = await api("GET", `/api/products/${product.id}`);
      const history = await api("GET", `/api/products/${product.id}/history`, { query: { per_page: 1 } });
      by = history.items[0] || null;
    } catch {
      // the explanation works without these details
    }
    const theirs = latest ? changedKeys(baseline, Object.assign({}, ...Object.values(sectionsFor(latest)).map((s) => s.value()))) : [];
    const overlap = theirs.filter((key) => mine.includes(key));
    banners.replaceChildren(
      banner({
        tone: "warning",
        role: "alert",
        title: "Someone else changed this product while you were editing",
        body: [
          h(
            "p",
            `You started from version ${product.version}; it is now at version ${current ?? (latest && latest.version) ?? "?"}` +
              (by ? ` (${humanize(by.action).toLowerCase()} by ${by.actor_email || "system"} via ${by.source}, ${fmtAgo(by.at)}).` : ".") +
              " Your changes have not been saved.",
          ),
          theirs.length ? h("p", `They changed: ${theirs.map((k) => FIELD_LABELS[k] || humanize(k)).join(", ")}.`) : null,
          overlap.length ? h("p", h("strong", `Both of you changed: ${overlap.map((k) => FIELD_LABELS[k] || humanize(k)).join(", ")}.`)) : null,
        ],
        actions: [
          button("Load their version (discard mine)", {
            onClick: () => {
              if (latest) product = latest;
              banners.replaceChildren();
              render();
            },
          }),
          button("Save mine over theirs", {
            primary: true,
            onClick: () => save({ version: current ?? (latest && latest.version) }),
          }),
        ],
      }),
    );
    banners.scrollIntoView({ block: "nearest" });
  }

  function sectionsFor(other) {
    const noop = () => {};
    return {
      title: titleCard(other, true, noop),
      variants: variantsCard(other, true, noop),
      status: statusCard(other, true, noop),
      organization: organizationCard(other, true, noop),
    };
  }

  async function save({ version = null } = {}) {
    clearFieldErrors(page);
    banners.replaceChildren();
    const values = formValues();
    const keys = creating ? Object.keys(values) : changedKeys(baseline, values);
    if (!creating && !keys.length) return;
    const body = Object.fromEntries(keys.map((key) => [key, values[key]]));
    if (creating && !body.variants.length) delete body.variants;
    for (const b of page.querySelectorAll(".btn-primary")) b.disabled = true;
    try {
      if (creating) {
        const created = await api("POST", "/api/products", { body });
        setLeaveGuard(null);
        toast("Product created");
        navigate(`/products/${created.id}`, { replace: true });
        return;
      }
      product = await api("PUT", `/api/products/${product.id}`, { body: { ...body, version: version ?? product.version } });
      setLeaveGuard(null);
      toast("Product saved");
      render();
    } catch (error) {
      if (error.status === 409 && !creating) await explainStale(error, keys);
      else showErrors(error);
    } finally {
      for (const b of page.querySelectorAll(".btn-primary")) b.disabled = false;
    }
  }

  function discard() {
    banners.replaceChildren();
    setLeaveGuard(null);
    if (creating) return navigate("/products");
    render();
  }

  async function remove() {
    const ok = await confirmModal({ title: `Delete ${product.title}?`, message: "The product is removed from the dashboard; a later sync removes it from Shopify.", confirmLabel: "Delete product", critical: true });
    if (!ok) return;
    try {
      await api("DELETE", `/api/products/${product.id}`, { headers: { "If-Match": `"${product.version}"` } });
      setLeaveGuard(null);
      toast("Product deleted");
      navigate("/products");
    } catch (error) {
      toastError(error);
    }
  }

  async function generateIcon() {
    try {
      const accepted = await api("POST", "/api/icons/generate", { body: { product_id: product.id } });
      toast("Generating icon…");
      watchJob(accepted.job_id, async (job) => {
        if (job.state === "completed") {
          forgetIcon(product.id);
          const fresh = await api("GET", `/api/products/${product.id}`);
          if (!dirty) {
            product = fresh;
            render();
          }
        } else if (job.state === "failed") {
          toastError(new Error(job.error || "Icon generation failed"));
        }
      });
    } catch (error) {
      toastError(error);
    }
  }

  render();
  if (!creating) {
    offLive = live.on("products", async (event) => {
      const id = event.data && (event.data.product_id ?? event.data.id);
      if (Number(id) !== product.id || dirty) return;
      try {
        product = await api("GET", `/api/products/${product.id}`);
        render();
      } catch {
        // deleted or gone: leave the page as it is
      }
    });
  }
  return () => {
    if (offLive) offLive();
    setLeaveGuard(null);
  };
}
