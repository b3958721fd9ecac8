// One card on the wall as one element (board/ui/card_view.py): a wave of phone ideas reaching 70 screens costs
// one element per card to build, send and draw, not six. The DOM is what the stylesheet and the column's
// listeners expect: the card (class, style, data-card-id, role and tabindex fall through to it), its drag
// handle, its title and its line of what matters. Every value is data, bound as text or as one attribute's
// value: nothing here is markup.
export default {
  props: {
    title: String,
    // [{icon, text, class, colour, hint}]: the classes are the board's own, never data
    items: Array,
    handle: String,
  },
  template: `
    <div>
      <div class="drag-handle" data-icon="drag_indicator" role="img" :aria-label="handle"></div>
      <div class="card-title">{{ title }}</div>
      <div class="card-meta">
        <div v-for="(item, index) in items" :key="index" :class="item.class" :data-icon="item.icon"
             :title="item.hint" :style="item.colour ? { color: item.colour } : null">{{ item.text }}</div>
      </div>
    </div>`,
};
