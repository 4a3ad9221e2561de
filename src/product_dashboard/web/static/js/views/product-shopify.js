// The product page's Shopify cards (#16): media, search engine listing, metafields. Each builder
// takes the product and whether it is editable and returns {node, value()} like product-sections.
// A list Shopify holds more of than the dashboard has read (media_complete / metafields_complete
// false) is shown read-only: a push never replaces a list the dashboard has not read in full.
import { fetchBlobUrl } from "../core/api.js";
import { h } from "../core/dom.js";
import { button, card, field, input, select } from "../ui/components.js";

const IMAGE_TYPES = "image/jpeg,image/png,image/gif,image/webp";

const TRI_STATE = [["", "Not set"], ["true", "Yes"], ["false", "No"]];

function readOnlyNote(text) {
  return h("p", { class: "subtitle" }, text);
}

export function triState(value, attrs = {}) {
  return select(TRI_STATE, { ...attrs, value: value === null || value === undefined ? "" : String(value) });
}

export function triStateValue(control) {
  return control.value === "" ? null : control.value === "true";
}

function known(value, show) {
  return value === null || value === undefined ? "—" : show(value);
}

// A text whose none is a known value, "" (a template suffix: Shopify's default template; an SEO
// text: the product's own title or description; a province: none), null not known here: shown
// as the text, as `none` when known to be none, as "Not known" otherwise.
function knownText(value, none) {
  return value === null || value === undefined ? "Not known" : value || none;
}

// Its input's placeholder, shown while the input is empty.
export function knownPlaceholder(value, none) {
  return value === null || value === undefined ? "Not known" : none;
}

function knownTextInput(value, none, attributes = {}) {
  return input({ value: value || "", placeholder: knownPlaceholder(value, none), ...attributes });
}

// A text field sent only when edited: emptied, it is "" (none: the push clears Shopify's);
// a field not known here, left empty, is not sent (what Shopify holds stays as it is).
export function editedText(control, stored, transform = (text) => text) {
  const now = transform(control.value.trim());
  const was = stored ?? null;
  if (was === null) return now ? now : undefined;
  return now !== was ? now : undefined;
}

// Shopify's combined listing role: read from Shopify, never edited here.
function combinedListing(product) {
  return known(product.combined_listing_role, (role) => (role === "PARENT" ? "Parent" : "Child"));
}

// -- media ----------------------------------------------------------------------------------------

// An uploaded image's src is an authenticated route: an <a href> or <img src> cannot send the
// token, so it opens from a blob URL fetched with it.
function mediaLink(image, name) {
  if (!image.local) return h("a", { href: image.src, target: "_blank", rel: "noopener noreferrer", class: "media-name" }, name);
  const link = h("a", { href: "#", class: "media-name", title: "Uploaded here" }, name);
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    const url = await fetchBlobUrl(image.src);
    if (url) window.open(url, "_blank", "noopener");
  });
  return link;
}

// onUpload(file): uploads an image file to the product (the page reloads it); absent when the
// product is not saved yet.
export function mediaCard(product, editable, onChange, onUpload = null) {
  const images = (product.images || []).map((image) => ({ src: image.src, alt: image.alt || "", shopify_media_id: image.shopify_media_id || null, local: Boolean(image.local) }));
  const canEdit = editable && product.media_complete !== false;
  const list = h("ol", { class: "media-list", "aria-label": "Media" });
  const render = () => {
    list.replaceChildren(
      ...images.map((image, index) => {
        const name = image.src.split("/").pop() || "Image";
        const link = mediaLink(image, name);
        if (!canEdit) return h("li", { "data-testid": "media-item" }, link, image.alt ? h("span", { class: "subtitle" }, ` — ${image.alt}`) : null);
        const alt = input({ value: image.alt, placeholder: "Alt text", "aria-label": `Alt text for image ${index + 1}` });
        alt.addEventListener("input", () => {
          image.alt = alt.value;
          onChange();
        });
        const move = (delta) => () => {
          const target = index + delta;
          if (target < 0 || target >= images.length) return;
          [images[index], images[target]] = [images[target], images[index]];
          render();
          onChange();
        };
        return h(
          "li",
          { "data-testid": "media-item" },
          link,
          field(`Alt text for image ${index + 1}`, alt, { loc: `images.${index}.alt`, hideLabel: true }),
          h(
            "span",
            { class: "btn-group" },
            button("↑", { plain: true, "aria-label": `Move image ${index + 1} up`, disabled: index === 0, onClick: move(-1) }),
            button("↓", { plain: true, "aria-label": `Move image ${index + 1} down`, disabled: index === images.length - 1, onClick: move(1) }),
            button("Remove", {
              plain: true,
              "aria-label": `Remove image ${index + 1}`,
              onClick: () => {
                images.splice(index, 1);
                render();
                onChange();
              },
            }),
          ),
        );
      }),
    );
  };
  render();
  const sections = [list];
  if (!images.length) sections.push(readOnlyNote("No media."));
  if (editable && !canEdit) sections.push(readOnlyNote("Shopify holds more media than the dashboard has read: pull this product to edit its media here."));
  if (canEdit) {
    const url = input({ type: "url", placeholder: "https://…/image.jpg", "aria-label": "Image URL" });
    const add = () => {
      const src = url.value.trim();
      if (!src || images.some((image) => image.src === src)) return;
      images.push({ src, alt: "", shopify_media_id: null });
      url.value = "";
      render();
      onChange();
    };
    url.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        add();
      }
    });
    sections.push(h("div", { class: "inline-form" }, field("Add an image by URL", url, { loc: "images" }), button("Add image", { onClick: add })));
    if (onUpload) sections.push(uploadForm(onUpload));
  }
  return {
    node: card({ title: `Media (${images.length})`, sections }),
    value: () => (canEdit ? { images: images.map((image) => ({ src: image.src, alt: image.alt || null, shopify_media_id: image.shopify_media_id })) } : {}),
    images: () => images.map((image) => image.src),
  };
}

function uploadForm(onUpload) {
  const file = input({ type: "file", accept: IMAGE_TYPES, "aria-label": "Image file" });
  const message = h("p", { class: "subtitle", role: "status", "data-testid": "media-upload-status" });
  const upload = button("Upload image", {
    onClick: async () => {
      if (!file.files.length) {
        message.textContent = "Choose a JPEG, PNG, GIF or WebP image first.";
        return;
      }
      upload.disabled = true;
      message.textContent = "Uploading…";
      try {
        await onUpload(file.files[0]);
      } catch (error) {
        message.textContent = error.message;
        upload.disabled = false;
      }
    },
  });
  return h("div", h("div", { class: "inline-form" }, field("Upload an image (JPEG, PNG, GIF or WebP, up to 20 MB)", file, { loc: "file" }), upload), message);
}

// -- search engine listing, theme, gift card ------------------------------------------------------

export function seoCard(product, editable, onChange) {
  if (!editable) {
    return {
      node: card({
        title: "Search engine listing",
        sections: [
          h(
            "dl",
            { class: "kv" },
            h("dt", "Page title"),
            h("dd", knownText(product.seo_title, "The product's title")),
            h("dt", "Meta description"),
            h("dd", knownText(product.seo_description, "From the description")),
            h("dt", "Theme template"),
            h("dd", knownText(product.template_suffix, "Default")),
            h("dt", "Gift card"),
            h("dd", product.gift_card === null || product.gift_card === undefined ? "—" : product.gift_card ? "Yes" : "No"),
            h("dt", "Gift card template"),
            h("dd", knownText(product.gift_card_template_suffix, "Default")),
            h("dt", "Sold only as a subscription"),
            h("dd", known(product.requires_selling_plan, (v) => (v ? "Yes" : "No"))),
            h("dt", "Combined listing"),
            h("dd", combinedListing(product)),
          ),
        ],
      }),
      value: () => ({}),
    };
  }
  const title = knownTextInput(product.seo_title, "The product's title", { maxlength: "5000" });
  const description = h("textarea", { rows: "3", placeholder: knownPlaceholder(product.seo_description, "From the description") });
  description.value = product.seo_description || "";
  const template = knownTextInput(product.template_suffix, "Default");
  const giftCard = triState(product.gift_card);
  const giftTemplate = knownTextInput(product.gift_card_template_suffix, "Default");
  const sellingPlan = triState(product.requires_selling_plan);
  for (const control of [title, description, template, giftTemplate]) control.addEventListener("input", onChange);
  for (const control of [giftCard, sellingPlan]) control.addEventListener("change", onChange);
  const published = product.published_online_store;
  return {
    node: card({
      title: "Search engine listing",
      sections: [
        h(
          "div",
          field("Page title", title, { loc: "seo_title" }),
          field("Meta description", description, { loc: "seo_description" }),
          field("Theme template suffix", template, { loc: "template_suffix" }),
          field("Gift card", giftCard, { loc: "gift_card" }),
          field("Gift card template suffix", giftTemplate, { loc: "gift_card_template_suffix" }),
          field("Sold only as a subscription", sellingPlan, { loc: "requires_selling_plan" }),
          h("p", { class: "subtitle" }, `Online store: ${published === null || published === undefined ? "not known" : published ? "published" : "not published"}`),
          h("p", { class: "subtitle" }, `Combined listing: ${combinedListing(product)} (set in Shopify)`),
        ),
      ],
    }),
    value: () => {
      const out = { gift_card: triStateValue(giftCard) };
      // Sent only when edited here: left out, what is stored (or not known) stays as it is.
      for (const [key, control] of [["seo_title", title], ["seo_description", description], ["template_suffix", template], ["gift_card_template_suffix", giftTemplate]]) {
        const now = editedText(control, product[key]);
        if (now !== undefined) out[key] = now;
      }
      const plan = triStateValue(sellingPlan);
      if (plan !== (product.requires_selling_plan ?? null)) out.requires_selling_plan = plan;
      return out;
    },
  };
}

// -- metafields ---------------------------------------------------------------------------------

// `definitions`: the store's product metafield definitions; one chosen adds its namespace.key
// with the type Shopify defines for it.
export function metafieldsCard(product, editable, onChange, definitions = []) {
  const rows = (product.metafields || []).map((m) => ({ namespace: m.namespace, key: m.key, type: m.type, value: m.value }));
  const canEdit = editable && product.metafields_complete !== false;
  const body = h("tbody");
  const render = () => {
    body.replaceChildren(
      ...rows.map((row, index) => {
        if (!canEdit) return h("tr", h("td", h("code", `${row.namespace}.${row.key}`)), h("td", row.type), h("td", row.value));
        const cells = ["namespace", "key", "type", "value"].map((name) => {
          const control = input({ value: row[name], "aria-label": `Metafield ${index + 1} ${name}` });
          control.addEventListener("input", () => {
            row[name] = control.value;
            onChange();
          });
          return h("td", field(`Metafield ${index + 1} ${name}`, control, { loc: `metafields.${index}.${name}`, hideLabel: true }));
        });
        const remove = button("Remove", {
          plain: true,
          "aria-label": `Remove metafield ${index + 1}`,
          onClick: () => {
            rows.splice(index, 1);
            render();
            onChange();
          },
        });
        return h("tr", cells, h("td", remove));
      }),
    );
  };
  render();
  const table = h("table", { class: "data", "aria-label": "Metafields" }, h("thead", h("tr", ["Namespace", "Key", "Type", "Value", canEdit ? "" : null].filter((c) => c !== null).map((c) => h("th", { scope: "col" }, c)))), body);
  const sections = [h("div", { class: "card-section table-wrap" }, table)];
  if (editable && !canEdit) sections.push(readOnlyNote("Shopify holds more metafields than the dashboard has read: pull this product to edit them here."));
  if (canEdit) {
    sections.push(
      button("Add metafield", {
        onClick: () => {
          rows.push({ namespace: "custom", key: "", type: "single_line_text_field", value: "" });
          render();
          onChange();
        },
      }),
    );
    if (definitions.length) {
      const options = definitions.map((d) => [`${d.namespace}.${d.key}`, `${d.name} (${d.namespace}.${d.key}, ${d.type})`]);
      const defined = select([["", "Add a defined metafield…"], ...options], { "aria-label": "Add a defined metafield" });
      defined.addEventListener("change", () => {
        const definition = definitions.find((d) => `${d.namespace}.${d.key}` === defined.value);
        defined.value = "";
        if (!definition || rows.some((row) => row.namespace === definition.namespace && row.key === definition.key)) return;
        rows.push({ namespace: definition.namespace, key: definition.key, type: definition.type, value: "" });
        render();
        onChange();
      });
      sections.push(defined);
    }
  }
  return {
    node: card({ title: `Metafields (${rows.length})`, sections }),
    value: () => (canEdit ? { metafields: rows.map((row) => ({ ...row })) } : {}),
  };
}
